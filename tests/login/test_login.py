"""The device-code login, through the real command and real botocore clients."""

from __future__ import annotations

import io
import json
import os
import re
import stat
from pathlib import Path
from typing import Callable

import botocore.session
import pytest

from botocore_sso_provider.cli.main import main
from botocore_sso_provider.errors import LoginError
from botocore_sso_provider.login import DeviceCodeLogin
from botocore_sso_provider.provider.config import resolve_session
from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import LEGACY_CONFIG, SSO_CONFIG, needs_endpoint_variables, run_python, token_path

pytestmark = pytest.mark.functional

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def corp_login(
    out: io.StringIO, sleeps: list[float], on_sleep: Callable[[], None] | None = None
) -> DeviceCodeLogin:
    session = botocore.session.Session()
    config = resolve_session(session.full_config, "corp")

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if on_sleep is not None:
            on_sleep()

    return DeviceCodeLogin(config, session, out=out, open_browser=False, sleep=sleep)


def test_login_command_writes_the_token_in_the_cli_v2_format(
    idc: FakeIdentityCenter,
    write_config: Callable[[str], Path],
    aws_home: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    write_config(SSO_CONFIG)
    assert main(["login", "--sso-session", "corp", "--no-browser", "--use-device-code"]) == 0
    printed = capsys.readouterr().out
    assert f"{idc.url}/device" in printed
    assert re.search(r"\b[A-Z]{4}-[A-Z]{4}\b", printed), "the user code is shown"
    path = token_path(aws_home, "corp")
    data = json.loads(path.read_text())
    assert set(data) == {
        "startUrl",
        "region",
        "accessToken",
        "expiresAt",
        "clientId",
        "clientSecret",
        "registrationExpiresAt",
        "refreshToken",
    }
    assert TIMESTAMP.fullmatch(data["expiresAt"])
    assert TIMESTAMP.fullmatch(data["registrationExpiresAt"])
    assert idc.access_token_is_valid(data["accessToken"])
    assert idc.refresh_token_is_valid(data["refreshToken"])
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert data["accessToken"] not in printed and data["clientSecret"] not in printed


def test_polling_honours_interval_and_slow_down(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path]
) -> None:
    write_config(SSO_CONFIG)
    idc.inject("CreateToken", "authorization_pending", times=1)
    idc.inject("CreateToken", "slow_down", times=1)
    sleeps: list[float] = []
    corp_login(io.StringIO(), sleeps).run()
    assert sleeps == [1, 1, 6], "interval 1 s, then 5 s more for good after slow_down"
    assert idc.grant_counts()["urn:ietf:params:oauth:grant-type:device_code"] == 3


def test_a_denied_login_says_so_and_writes_nothing(
    write_config: Callable[[str], Path], aws_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(SSO_CONFIG)
    with FakeIdentityCenter(auto_approve=False) as idc:
        for name, value in idc.environ().items():
            monkeypatch.setenv(name, value)
        out = io.StringIO()

        def deny() -> None:
            code = re.search(r"\b[A-Z]{4}-[A-Z]{4}\b", out.getvalue())
            assert code is not None
            idc.deny(code.group(0))

        with pytest.raises(LoginError, match="the sign-in was denied") as caught:
            corp_login(out, [], on_sleep=deny).run()
    assert str(caught.value).endswith("Run: botocore-sso login --sso-session corp")
    assert not token_path(aws_home, "corp").exists()


def test_a_second_login_reuses_the_client_registration(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path]
) -> None:
    write_config(SSO_CONFIG)
    corp_login(io.StringIO(), []).run()
    corp_login(io.StringIO(), []).run()
    assert idc.request_counts()["RegisterClient"] == 1
    assert idc.request_counts()["StartDeviceAuthorization"] == 2


def test_a_legacy_profile_login_is_keyed_by_start_url_and_has_no_refresh_token(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path], aws_home: Path
) -> None:
    write_config(LEGACY_CONFIG)
    assert main(["login", "--profile", "legacy", "--no-browser"]) == 0
    data = json.loads(token_path(aws_home, "https://fake-idc.awsapps.com/start").read_text())
    assert "refreshToken" not in data


@needs_endpoint_variables
def test_botocores_native_provider_uses_the_token_we_wrote(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path]
) -> None:
    write_config(SSO_CONFIG)
    assert main(["login", "--sso-session", "corp", "--no-browser", "--use-device-code"]) == 0
    # A new process: botocore fixes its token cache directory from HOME at import time.
    native = run_python("-c", NATIVE_RESOLUTION, native=True)
    assert native.returncode == 0, native.stderr
    assert native.stdout.startswith("ASIA")
    assert idc.request_counts()["GetRoleCredentials"] == 1


NATIVE_RESOLUTION = """
import boto3  # no register(): botocore's own sso provider
print(boto3.Session(profile_name="dev").get_credentials().get_frozen_credentials().access_key)
"""


def test_a_bad_profile_is_one_line_on_stderr_without_traceback(
    write_config: Callable[[str], Path], aws_home: Path
) -> None:
    write_config(SSO_CONFIG)
    env = {**os.environ, "HOME": str(aws_home)}
    result = run_python("-m", "botocore_sso_provider", "login", "--profile", "ghost", env=env)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f'botocore-sso: The profile "ghost" does not exist in {aws_home / ".aws" / "config"}.'
    ]
    assert "Traceback" not in result.stderr
