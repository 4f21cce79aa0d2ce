"""Which device-code verification URLs the login opens in the browser, through the real command.

``BROWSER`` points at a small script that records what it was asked to open:
a real browser stand-in that the login starts exactly as it would start one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

from botocore_sso_provider.testing import FakeIdentityCenter
from tests.cli.test_hostile_display import assert_nothing_raw
from tests.conftest import SSO_CONFIG, botocore_sso, token_path

pytestmark = pytest.mark.functional

RECORDING_BROWSER = """
import sys
with open(sys.argv[2], "a", encoding="utf-8") as opened:
    opened.write(sys.argv[1] + "\\n")
"""


@pytest.fixture
def recording_browser(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """An environment whose BROWSER records each URL it is given into the returned file."""
    script = tmp_path / "browser.py"
    script.write_text(RECORDING_BROWSER)
    opened = tmp_path / "opened.txt"
    return {**os.environ, "BROWSER": f"{sys.executable} {script} %s {opened}"}, opened


def _answer_with(url: str) -> bytes:
    return json.dumps(
        {
            "deviceCode": "device-code-of-a-spoofed-endpoint",
            "userCode": "ABCD-EFGH",
            "verificationUri": url,
            "verificationUriComplete": url,
            "expiresIn": 600,
            "interval": 1,
        }
    ).encode()


def _login(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return botocore_sso("login", "--sso-session", "corp", "--use-device-code", env=env, timeout=60)


def test_the_fakes_own_url_is_opened_because_it_is_the_configured_endpoint(
    idc: FakeIdentityCenter,
    write_config: Callable[[str], Path],
    aws_home: Path,
    recording_browser: tuple[dict[str, str], Path],
) -> None:
    write_config(SSO_CONFIG)
    env, opened = recording_browser
    result = _login(env)
    assert result.returncode == 0, result.stderr
    [url] = opened.read_text().splitlines()
    assert url.startswith(f"{idc.url}/device?user_code=")
    assert "Warning" not in result.stdout
    assert token_path(aws_home, "corp").exists()


def test_a_url_on_the_aws_device_host_is_opened(
    idc: FakeIdentityCenter,
    write_config: Callable[[str], Path],
    recording_browser: tuple[dict[str, str], Path],
) -> None:
    write_config(SSO_CONFIG)
    env, opened = recording_browser
    url = "https://device.sso.us-east-1.amazonaws.com/?user_code=ABCD-EFGH"
    idc.inject_answer("StartDeviceAuthorization", body=_answer_with(url))
    idc.inject("CreateToken", "access_denied")
    result = _login(env)
    assert result.returncode == 1
    assert opened.read_text().splitlines() == [url]
    assert "Warning" not in result.stdout


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("http://evil.example/device", id="http-elsewhere"),
        pytest.param("file:///etc/passwd", id="file"),
        pytest.param("ms-msdt:-id%20PCWDiagnostic%20/skip%20force", id="ms-msdt"),
        pytest.param("javascript:alert(document.cookie)", id="javascript"),
        pytest.param("https://device.sso.us-east-1.amazonaws.com@evil.example/", id="userinfo"),
        pytest.param("https://device.sso.us-east-1.amazonaws.com.evil.example/", id="look-alike-suffix"),
        pytest.param("https://evil.example\\@device.sso.us-east-1.amazonaws.com/", id="backslash"),
        pytest.param("http://device.sso.us-east-1.amazonaws.com/", id="aws-host-over-http"),
        pytest.param(
            "https://evil.example/\x1b]8;;https://device.sso.us-east-1.amazonaws.com\x07", id="escape"
        ),
    ],
)
def test_any_other_url_is_printed_escaped_with_a_warning_and_not_opened(
    idc: FakeIdentityCenter,
    write_config: Callable[[str], Path],
    recording_browser: tuple[dict[str, str], Path],
    url: str,
) -> None:
    write_config(SSO_CONFIG)
    env, opened = recording_browser
    idc.inject_answer("StartDeviceAuthorization", body=_answer_with(url))
    idc.inject("CreateToken", "access_denied")
    result = _login(env)
    assert result.returncode == 1
    assert not opened.exists(), "the browser was started"
    assert_nothing_raw(result.stdout, result.stderr)
    warnings = [line for line in result.stdout.splitlines() if line.startswith("Warning: ")]
    assert len(warnings) == 1, result.stdout
    assert "which is not opened" in warnings[0]
