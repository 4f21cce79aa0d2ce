"""How a login's failures reach the user: one of our errors, naming the login and the fix."""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from ..errors import LoginError, ServiceUnavailableError, SSOProviderError, UnusableLoginAnswer, login_command
from ..provider.faults import describe_failure, is_transient
from ..rules.profiles import SSOSessionConfig


def login_names(session: SSOSessionConfig) -> dict[str, Any]:
    """The fields every login error message is filled with."""
    return {
        "subject": session.subject,
        "profile": session.profile,
        "session_name": session.name,
        "command": login_command(session.profile, session.name),
    }


@contextlib.contextmanager
def reported_as_login_errors(session: SSOSessionConfig) -> Iterator[None]:
    """Turn botocore failures and unusable answers into :class:`LoginError` and friends."""
    try:
        yield
    except SSOProviderError:
        raise
    except UnusableLoginAnswer as err:
        raise LoginError(reason=f"IAM Identity Center {err}", **login_names(session)) from None
    except (ResponseParserError, ValueError) as err:
        # botocore's parser fails with ValueError on a field of the wrong type (a Long that is text).
        reason = f"IAM Identity Center sent an answer that cannot be read ({type(err).__name__})"
        raise LoginError(reason=reason, **login_names(session)) from None
    except (ClientError, BotoCoreError) as err:
        if is_transient(err):
            raise ServiceUnavailableError(reason=describe_failure(err), **login_names(session)) from None
        reason = f"IAM Identity Center refused it ({describe_failure(err)})"
        raise LoginError(reason=reason, **login_names(session)) from None
