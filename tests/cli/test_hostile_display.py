"""What reaches the terminal: the service's and the files' words, escaped, through the real command.

A compromised or spoofed endpoint, or a config or cache file someone else
wrote, can put terminal escapes in any name: ``ESC ] 52`` writes the user's
clipboard, ``ESC [2K`` with ``\\r`` rewrites the line the user reads, a bidi
override reorders it. Each test runs the installed ``botocore-sso`` in a new
process against the fake Identity Center and checks that none of it reaches
stdout or stderr raw.
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from botocore_sso_provider.testing import Account, FakeIdentityCenter
from tests.conftest import COMMAND, SSO_CONFIG, botocore_sso, needs_pkce_model, seed_token

pytestmark = pytest.mark.functional

CLIPBOARD = "\x1b]52;c;ZWNobyBwd25lZA==\x07"  # OSC 52: sets the clipboard to "echo pwned"
IN_A_HEADER = "\x1b[2K\x1b[8m\x07"  # erase the line, hide what follows, ring: no "]", which ends
# a section header in configparser before Python 3.11
SHOWN_IN_A_HEADER = "\\x1b[2K\\x1b[8m\\x07"
ERASE_LINE = "\x1b[2K\r"
HOSTILE = f"{CLIPBOARD}{ERASE_LINE}x\x00\x9b31m\u202ey"
"""Every kind at once: OSC 52 ending in BEL, CSI erase, CR, NUL, a C1 CSI and a right-to-left override."""

_RAW = [chr(c) for c in (*range(0x20), *range(0x7F, 0xA0)) if chr(c) != "\n"] + [
    *map(chr, range(0x202A, 0x202F)),
    *map(chr, range(0x2066, 0x206A)),
]


def assert_nothing_raw(*outputs: str) -> None:
    """No control character but the line feed, no C1 control, no bidi override or isolate."""
    for output in outputs:
        found = sorted({f"U+{ord(char):04X}" for char in output if char in _RAW})
        assert not found, f"raw characters reached the terminal: {found} in {output!r}"


# -- the device code and its URLs --------------------------------------------------------


def _device_authorization(**fields: object) -> bytes:
    answer = {
        "deviceCode": "device-code-of-a-spoofed-endpoint",
        "userCode": "ABCD-EFGH",
        "verificationUri": "https://device.sso.us-east-1.amazonaws.com/",
        "verificationUriComplete": "https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH",
        "expiresIn": 600,
        "interval": 1,
        **fields,
    }
    return json.dumps(answer).encode()


def test_the_device_code_and_its_urls_are_shown_escaped(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path]
) -> None:
    write_config(SSO_CONFIG)
    idc.inject_answer(
        "StartDeviceAuthorization",
        body=_device_authorization(
            userCode=f"ABCD{HOSTILE}",
            verificationUri=f"https://device.sso.us-east-1.amazonaws.com/{ERASE_LINE}",
            verificationUriComplete=f"https://evil.example/{CLIPBOARD}",
        ),
    )
    idc.inject("CreateToken", "access_denied")  # the spoofed code is never approved
    result = botocore_sso("login", "--sso-session", "corp", "--use-device-code", "--no-browser", timeout=60)
    assert result.returncode == 1
    assert_nothing_raw(result.stdout, result.stderr)
    assert "ABCD\\x1b]52;c;ZWNobyBwd25lZA==\\x07\\x1b[2K\\rx\\x00\\x9b31m\\u202ey" in result.stdout
    assert "https://device.sso.us-east-1.amazonaws.com/\\x1b[2K\\r" in result.stdout
    assert "https://evil.example/\\x1b]52;c;ZWNobyBwd25lZA==\\x07" in result.stdout
    assert "the sign-in was denied" in result.stderr


# -- account and role names in `list` ----------------------------------------------------


@pytest.fixture
def hostile_portal(
    make_idc: Callable[..., FakeIdentityCenter], write_config: Callable[[str], Path], aws_home: Path
) -> FakeIdentityCenter:
    """A portal whose account and role names carry terminal escapes, and a login to it."""
    accounts = [
        Account("111111111111", f"Prod{HOSTILE}", "prod@example.com", ("ReadOnly", f"Admin{ERASE_LINE}")),
        Account("222222222222", "dev", "dev@example.com", (f"Dev{CLIPBOARD}",)),
    ]
    server = make_idc(accounts=accounts)
    write_config(SSO_CONFIG)
    seed_token(server, aws_home)
    return server


def test_list_shows_account_and_role_names_escaped(hostile_portal: FakeIdentityCenter) -> None:
    result = botocore_sso("list", "--sso-session", "corp", env={**os.environ, "COLUMNS": "400"})
    assert result.returncode == 0, result.stderr
    assert_nothing_raw(result.stdout, result.stderr)
    assert "Prod\\x1b]52;c;ZWNobyBwd25lZA==\\x07\\x1b[2K\\rx\\x00\\x9b31m\\u202ey" in result.stdout
    assert "Admin\\x1b[2K\\r" in result.stdout and "Dev\\x1b]52;c;" in result.stdout
    assert len(result.stdout.splitlines()) == 3, "a header and one line per account"


def test_list_json_is_valid_json_that_keeps_the_names_exactly(hostile_portal: FakeIdentityCenter) -> None:
    result = botocore_sso("list", "--sso-session", "corp", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert_nothing_raw(result.stdout, result.stderr)
    names = {account["accountName"]: account["roles"] for account in json.loads(result.stdout)}
    assert set(names[f"Prod{HOSTILE}"]) == {"ReadOnly", f"Admin{ERASE_LINE}"}
    assert names["dev"] == [f"Dev{CLIPBOARD}"]


# -- the error of a PKCE redirect --------------------------------------------------------


@needs_pkce_model
def test_the_error_a_pkce_redirect_brings_is_one_escaped_line(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path]
) -> None:
    write_config(SSO_CONFIG)
    forged_line = f"x{CLIPBOARD}\nbotocore-sso: Logged in; all is well.\u202e"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    argv = [*COMMAND, "login", "--sso-session", "corp", "--use-pkce", "--no-browser", "--timeout", "60"]
    with subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    ) as process:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.strip().startswith(f"{idc.url}/authorize?"):
                query = {k: v[0] for k, v in parse_qs(urlsplit(line.strip()).query).items()}
                redirect = f"{query['redirect_uri']}?state={query['state']}&error={quote(forged_line)}"
                urllib.request.urlopen(redirect, timeout=30).read()  # what a hostile page could send
                break
        out, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert_nothing_raw("".join(lines) + out, err)
    errors = [line for line in err.splitlines() if line.startswith("botocore-sso:")]
    assert len(errors) == 1, err
    assert not any(line.startswith("botocore-sso: Logged in") for line in err.splitlines()), "a forged line"
    assert "the authorization failed (x\\x1b]52;c;ZWNobyBwd25lZA==\\x07\\nbotocore-sso: Logged in" in err


# -- names from the config and the cache that `status` prints ----------------------------

HOSTILE_CONFIG = f"""
[profile dev]
sso_session = corp{IN_A_HEADER}
sso_account_id = 111111111111
sso_role_name = ReadOnly
region = us-east-1

[sso-session corp{IN_A_HEADER}]
sso_start_url = https://fake-idc.awsapps.com/start\u202e
sso_region = us-east-1
sso_registration_scopes = sso:account:access
"""


@pytest.fixture
def hostile_config(aws_home: Path) -> Path:
    path = aws_home / ".aws" / "config"
    path.write_text(HOSTILE_CONFIG, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "arguments",
    [
        pytest.param(("status",), id="table"),
        pytest.param(("status", "--profile", "dev"), id="table-profile"),
        pytest.param(("status", "--short", "--profile", "dev"), id="short"),
    ],
)
def test_status_shows_names_from_the_config_escaped(hostile_config: Path, arguments: tuple[str, ...]) -> None:
    result = botocore_sso(*arguments)
    assert_nothing_raw(result.stdout, result.stderr)
    assert f"corp{SHOWN_IN_A_HEADER}" in result.stdout


def test_status_json_keeps_the_names_exactly(hostile_config: Path) -> None:
    result = botocore_sso("status", "--format", "json", "--profile", "dev")
    assert_nothing_raw(result.stdout, result.stderr)
    document = json.loads(result.stdout)
    assert document["sessions"][0]["name"] == f"corp{IN_A_HEADER}"
    assert document["sessions"][0]["startUrl"] == "https://fake-idc.awsapps.com/start\u202e"


def test_status_shows_a_role_name_from_the_config_escaped(aws_home: Path) -> None:
    (aws_home / ".aws" / "config").write_text(
        SSO_CONFIG.replace("sso_role_name = ReadOnly", f"sso_role_name = Read{CLIPBOARD}Only")
        .replace("\n    ", "\n")
        .lstrip(),
        encoding="utf-8",
    )
    result = botocore_sso("status")
    assert_nothing_raw(result.stdout, result.stderr)
    assert "role Read\\x1b]52;c;ZWNobyBwd25lZA==\\x07Only in 111111111111" in result.stdout


def test_login_names_a_session_from_the_config_escaped(idc: FakeIdentityCenter, aws_home: Path) -> None:
    config = SSO_CONFIG.replace("corp", f"corp{IN_A_HEADER}").replace("\n    ", "\n").lstrip()
    (aws_home / ".aws" / "config").write_text(config, encoding="utf-8")
    result = botocore_sso("login", "--profile", "dev", "--use-device-code", "--no-browser", timeout=60)
    assert result.returncode == 0, result.stderr
    assert_nothing_raw(result.stdout, result.stderr)
    assert f'Logged in to the sso-session "corp{SHOWN_IN_A_HEADER}"' in result.stdout


# -- our own control characters still reach the terminal ---------------------------------


def test_on_a_terminal_the_waiting_line_is_still_rewritten_in_place(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path]
) -> None:
    """stderr escapes what it is given, but the progress line's own carriage return must stay one."""
    pty = pytest.importorskip("pty")  # POSIX only
    write_config(SSO_CONFIG)
    controller, terminal = pty.openpty()
    try:
        process = subprocess.run(
            [*COMMAND, "login", "--sso-session", "corp", "--use-device-code", "--no-browser"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=terminal,
            text=True,
            timeout=60,
            check=False,
        )
        os.close(terminal)
        terminal = -1
        shown = _read_all(controller)
    finally:
        os.close(controller)
        if terminal >= 0:
            os.close(terminal)
    assert process.returncode == 0, shown
    assert "\rWaiting for the code to be approved... 0:0" in shown
    assert "\\rWaiting" not in shown


def _read_all(descriptor: int) -> str:
    chunks = []
    while True:
        try:
            chunk = os.read(descriptor, 65536)
        except OSError:  # EIO: the other side is closed and everything was read
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", "replace")
