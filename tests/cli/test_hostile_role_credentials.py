"""Role credentials no key holds (a NUL, an ESC, a newline, 200 KB), met by the commands that hand them on.

From the service (the fake's ``inject_answer``): ``exec``, ``export`` and
``credential-process`` end in one sentence naming IAM Identity Center, print
nothing of the value, start no child, and cache nothing. From a cache file
another tool wrote: the warm path does not hand it out; the full path fetches
anew and rewrites the file.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any, Dict

import pytest

from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import botocore_sso, role_cache_file, token_path, write_role_credentials

CLIPBOARD_WRITE = "\x1b]52;c;cHduZWQ=\x07"
"""OSC 52: most terminals put what follows into the user's clipboard."""

HOSTILE = {
    "esc-in-session-token": {"sessionToken": CLIPBOARD_WRITE + "t" * 40},
    "nul-in-session-token": {"sessionToken": "tok\x00en" + "t" * 40},
    "newline-in-secret-key": {"secretAccessKey": "s" * 40 + "\nexport AWS_PROFILE=prod"},
    "200-kb-session-token": {"sessionToken": "t" * 200 * 1024},
}

COMMANDS = {
    "exec": ["exec", "--profile", "dev", "--", sys.executable, "-c", "print('child started')"],
    "export": ["export", "--profile", "dev"],
    "credential-process": ["credential-process", "--profile", "dev"],
}


def role_answer(**fields: Any) -> bytes:
    role = {
        "accessKeyId": "ASIAHOSTILEANSWER",
        "secretAccessKey": "s" * 40,
        "sessionToken": "t" * 40,
        "expiration": int((time.time() + 3600) * 1000),
        **fields,
    }
    return json.dumps({"roleCredentials": role}).encode()


@pytest.mark.parametrize("fields", list(HOSTILE.values()), ids=list(HOSTILE))
@pytest.mark.parametrize("command", list(COMMANDS.values()), ids=list(COMMANDS))
def test_a_hostile_answer_is_one_sentence_naming_the_service_and_nothing_is_cached(
    command: list, fields: Dict[str, str], logged_in: FakeIdentityCenter, aws_home: Path
) -> None:
    login = token_path(aws_home, "corp")
    before = login.read_bytes()
    logged_in.inject_answer("GetRoleCredentials", body=role_answer(**fields), times=5)
    done = botocore_sso(*command)
    assert done.returncode == 1, done.stderr[-500:]
    assert done.stdout == "", "no credentials, no child"
    [line] = done.stderr.splitlines()
    assert line.startswith("botocore-sso: IAM Identity Center's address gave an answer")
    assert "GetRoleCredentials answered with" in line
    assert "unexpected" not in line and "report it" not in line
    assert line.isprintable() and len(line) < 1000, "nothing of the value is printed"
    assert logged_in.request_counts()["GetRoleCredentials"] == 1
    assert not role_cache_file(aws_home).exists(), "nothing cached"
    assert login.read_bytes() == before, "the valid login untouched"


@pytest.mark.parametrize(
    "command", [COMMANDS["credential-process"], COMMANDS["export"]], ids=["credential-process", "export"]
)
def test_a_cache_file_holding_an_escape_is_never_handed_out_but_fetched_anew(
    command: list, logged_in: FakeIdentityCenter, aws_home: Path
) -> None:
    """Another tool wrote the role file (the AWS CLI v2 shares it): fresh, private, and hostile."""
    write_role_credentials(aws_home, SessionToken=CLIPBOARD_WRITE + "t" * 40)
    done = botocore_sso(*command)
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "\x1b" not in done.stderr
    assert "ASIACACHED" not in done.stdout, "the hostile file's keys are not handed out"
    assert logged_in.request_counts()["GetRoleCredentials"] == 1
    rewritten = json.loads(role_cache_file(aws_home).read_text())["Credentials"]
    assert "\x1b" not in rewritten["SessionToken"]
    assert rewritten["AccessKeyId"] in done.stdout
