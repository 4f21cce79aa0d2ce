"""The profile and sso-session settings as the provider and the commands take them: valid, or an error.

The rules are in :mod:`..rules.profiles`, which only says what is wrong (the
fast paths must not import botocore's exceptions); here a problem becomes
the ``SSOConfigError`` every caller of botocore already catches.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, TypeVar, Union

from ..errors import SSOConfigError
from ..rules import profiles
from ..rules.profiles import ConfigProblem, SSOConfig, SSOSessionConfig

T = TypeVar("T")


def valid(answer: Union[T, ConfigProblem]) -> T:
    """``answer``, unless it is a problem: then the ``SSOConfigError`` that says it."""
    if isinstance(answer, ConfigProblem):
        raise SSOConfigError(error_msg=answer.message)
    return answer


def resolve_profile(full_config: Mapping[str, Any], profile: str) -> Optional[SSOConfig]:
    """The SSO configuration of ``profile``; None when it is not an SSO profile; SSOConfigError if broken."""
    return valid(profiles.resolve_profile(full_config, profile))


def resolve_session(
    full_config: Mapping[str, Any], name: str, profile: Optional[str] = None
) -> SSOSessionConfig:
    """The ``[sso-session NAME]`` section, or the SSOConfigError that says what is wrong with it."""
    return valid(profiles.resolve_session(full_config, name, profile=profile))


def session_for_login(
    full_config: Mapping[str, Any], *, profile: Optional[str], session_name: Optional[str]
) -> SSOSessionConfig:
    """The login a ``botocore-sso login`` call means, or the SSOConfigError that says why there is none."""
    return valid(profiles.session_for_login(full_config, profile=profile, session_name=session_name))
