"""Errors name the fix and subclass what botocore callers already catch."""

from __future__ import annotations

import pytest
from botocore.exceptions import InvalidConfigError, TokenRetrievalError, UnauthorizedSSOTokenError

from botocore_sso_provider import errors


@pytest.mark.parametrize(
    ("profile", "session", "expected"),
    [
        (None, "corp", "botocore-sso login --sso-session corp"),
        ("dev", None, "botocore-sso login --profile dev"),
        ("my dev", None, 'botocore-sso login --profile "my dev"'),
        ("default", None, "botocore-sso login"),
        (None, None, "botocore-sso login"),
    ],
)
def test_login_command(profile: str | None, session: str | None, expected: str) -> None:
    assert errors.login_command(profile, session) == expected


@pytest.mark.parametrize(
    ("error", "base"),
    [
        (errors.NotLoggedInError, UnauthorizedSSOTokenError),
        (errors.TokenExpiredError, UnauthorizedSSOTokenError),
        (errors.SessionEndedError, UnauthorizedSSOTokenError),
        (errors.RegistrationExpiredError, UnauthorizedSSOTokenError),
        (errors.CorruptCacheError, UnauthorizedSSOTokenError),
        (errors.ServiceUnavailableError, TokenRetrievalError),
        (errors.SSOConfigError, InvalidConfigError),
    ],
)
def test_each_error_is_a_botocore_error_callers_already_catch(error: type, base: type) -> None:
    assert issubclass(error, base)
    assert issubclass(error, errors.SSOProviderError)


def test_message_is_one_sentence_with_the_command() -> None:
    error = errors.SessionEndedError(
        subject='the sso-session "corp" (profile "dev")',
        command="botocore-sso login --sso-session corp",
    )
    assert str(error) == (
        'The SSO session for the sso-session "corp" (profile "dev") has ended. '
        "Run: botocore-sso login --sso-session corp"
    )
