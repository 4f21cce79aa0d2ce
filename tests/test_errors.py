"""Errors name the fix and subclass what botocore callers already catch."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import pytest
from botocore.exceptions import (
    ClientError,
    InvalidConfigError,
    SSOTokenLoadError,
    TokenRetrievalError,
    UnauthorizedSSOTokenError,
)

from botocore_sso_provider import errors

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("profile", "session", "expected"),
    [
        (None, "corp", "botocore-sso login --sso-session corp"),
        ("dev", None, "botocore-sso login --profile dev"),
        ("my dev", None, "botocore-sso login --profile 'my dev'"),
        ("$(touch pwned)", None, "botocore-sso login --profile '$(touch pwned)'"),
        (None, "a'b", "botocore-sso login --sso-session 'a'\"'\"'b'"),
        ("default", None, "botocore-sso login"),
        (None, None, "botocore-sso login"),
    ],
)
def test_login_command(profile: str | None, session: str | None, expected: str) -> None:
    assert errors.login_command(profile, session) == expected


@pytest.mark.parametrize("name", ["$(touch pwned)", "`touch pwned`", "a; touch pwned", "it's", "x\ny"])
def test_a_printed_login_command_pasted_into_a_shell_runs_nothing_and_keeps_the_name(
    name: str, tmp_path: Path
) -> None:
    """The advice is pasted into shells: the shell must see the name as one plain word."""
    for command in (errors.login_command(name, None), errors.login_command(None, name)):
        words = subprocess.run(
            ["sh", "-c", f"printf '%s\\n' {command.split(' ', 3)[3]}"],
            capture_output=True,
            text=True,
            cwd=str(tmp_path),
            check=True,
        ).stdout
        assert words == shlex.split(command)[-1] + "\n"
        assert shlex.split(command)[-1] == name
        assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize(
    ("error", "base"),
    [
        (errors.NotLoggedInError, UnauthorizedSSOTokenError),
        (errors.NotLoggedInError, SSOTokenLoadError),
        (errors.TokenExpiredError, UnauthorizedSSOTokenError),
        (errors.TokenExpiredError, TokenRetrievalError),
        (errors.SessionEndedError, UnauthorizedSSOTokenError),
        (errors.SessionEndedError, TokenRetrievalError),
        (errors.RegistrationExpiredError, UnauthorizedSSOTokenError),
        (errors.RegistrationExpiredError, TokenRetrievalError),
        (errors.CorruptCacheError, UnauthorizedSSOTokenError),
        (errors.CorruptCacheError, SSOTokenLoadError),
        (errors.RoleAccessDeniedError, ClientError),
        (errors.ServiceUnavailableError, TokenRetrievalError),
        (errors.SSOConfigError, InvalidConfigError),
        (errors.UnsafeCacheError, UnauthorizedSSOTokenError),
        (errors.UnexpectedAnswerError, TokenRetrievalError),
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


def test_role_access_denied_is_a_client_error_that_keeps_the_response_and_pickles() -> None:
    import pickle

    response = {"Error": {"Code": "ForbiddenException", "Message": "No access"}}
    error = errors.RoleAccessDeniedError(
        response=response,
        operation_name="GetRoleCredentials",
        role_name="Admin",
        account_id="111111111111",
        profile="dev",
        config_file="/home/u/.aws/config",
        command="botocore-sso login --profile dev",
    )
    assert error.response is response and error.operation_name == "GetRoleCredentials"
    assert str(error).startswith('The SSO user may not use role "Admin" in account 111111111111')
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert (type(copy), str(copy), copy.response) == (type(error), str(error), response)
