"""``botocore-sso console``: a sign-in URL whose token the fake federation endpoint accepts."""

from __future__ import annotations

import html
import http.client
import json
import os
import re
import sys
import tempfile
import webbrowser
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs, urlsplit
from urllib.request import url2pathname

import pytest

from botocore_sso_provider.account.console import federation_endpoint, partition_for_region
from botocore_sso_provider.cli.main import main
from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import botocore_sso

pytestmark = pytest.mark.functional

CONFIG = """
    [profile {name}]
    sso_session = corp
    sso_account_id = 111111111111
    sso_role_name = ReadOnly
    region = {region}
"""
SESSION = """
    [sso-session corp]
    sso_start_url = https://fake-idc.awsapps.com/start
    sso_region = us-east-1
    sso_registration_scopes = sso:account:access
"""
PARTITION_CASES = [
    ("us-east-1", "https://console.aws.amazon.com/console/home?region=us-east-1"),
    ("cn-north-1", "https://console.amazonaws.cn/console/home?region=cn-north-1"),
    ("us-gov-west-1", "https://console.amazonaws-us-gov.com/console/home?region=us-gov-west-1"),
]


@pytest.fixture
def console_world(
    idc: FakeIdentityCenter,
    write_config: Callable[[str], Path],
    seed_login: Callable[..., dict],
    monkeypatch: pytest.MonkeyPatch,
) -> FakeIdentityCenter:
    profiles = "".join(CONFIG.format(name=region, region=region) for region, _ in PARTITION_CASES)
    write_config(profiles + SESSION)
    seed_login()
    for name, value in idc.federation_environ().items():
        monkeypatch.setenv(name, value)
    return idc


def _follow_once(url: str) -> tuple[int, str]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=10)
    connection.request("GET", f"{parts.path}?{parts.query}")
    response = connection.getresponse()
    location = response.getheader("Location", "")
    connection.close()
    return response.status, location


@pytest.mark.parametrize(("region", "home"), PARTITION_CASES, ids=["aws", "aws-cn", "aws-us-gov"])
def test_the_url_signs_in_with_a_token_the_federation_endpoint_accepts(
    console_world: FakeIdentityCenter, region: str, home: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["console", "--profile", region, "--no-browser"]) == 0
    out, err = capsys.readouterr()
    url = out.strip()
    assert url.startswith(console_world.federation_url + "?")
    query = parse_qs(urlsplit(url).query)
    assert query["Action"] == ["login"]
    assert query["Destination"] == [home]
    assert console_world.signin_token_role(query["SigninToken"][0]) == ("alice", "111111111111", "ReadOnly")
    assert _follow_once(url) == (302, home)
    assert "secret" in err and "15 minutes" in err
    assert url not in err


def test_a_chosen_destination_is_where_login_lands(
    console_world: FakeIdentityCenter, capsys: pytest.CaptureFixture[str]
) -> None:
    destination = "https://console.aws.amazon.com/s3/home"
    assert main(["console", "--profile", "us-east-1", "--destination", destination, "--no-browser"]) == 0
    assert _follow_once(capsys.readouterr().out.strip()) == (302, destination)


def test_a_forged_sign_in_token_is_refused_by_the_fake(console_world: FakeIdentityCenter) -> None:
    url = f"{console_world.federation_url}?Action=login&Destination=https://x.example&SigninToken=forged"
    assert _follow_once(url)[0] == 400
    assert console_world.signin_token_role("forged") is None


def test_with_a_browser_the_url_goes_to_the_browser_not_to_stdout(
    console_world: FakeIdentityCenter, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pages: list[str] = []

    def browser(url: str) -> bool:  # no real browser here; it reads the page as one would
        pages.append(Path(url2pathname(urlsplit(url).path)).read_text())
        return "SigninToken" not in url

    monkeypatch.setattr(webbrowser, "open", browser)
    assert main(["console", "--profile", "us-east-1"]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert len(pages) == 1 and "SigninToken=" in pages[0]
    assert "SigninToken" not in err


RECORDING_BROWSER = """
import json, os, sys
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

def cmdline(pid):
    with open(f"/proc/{pid}/cmdline", "rb") as handle:
        return handle.read().decode("utf-8", "replace")
record = {
    "argv": sys.argv,
    "cmdlines": [cmdline("self"), cmdline(os.getppid())] if os.path.exists("/proc/self/cmdline") else [],
}
if sys.argv[1].startswith("file:"):
    page = Path(url2pathname(urlsplit(sys.argv[1]).path))
    info = page.stat()
    record.update(
        page=str(page),
        content=page.read_text(encoding="utf-8"),
        mode=info.st_mode & 0o7777,
        directory_mode=page.parent.stat().st_mode & 0o7777,
        owner=info.st_uid,
    )
Path(sys.argv[2]).write_text(json.dumps(record))
"""


@pytest.fixture
def recording_browser(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """An environment whose BROWSER records its argv, the command lines, and the page it was given."""
    script = tmp_path / "browser.py"
    script.write_text(RECORDING_BROWSER)
    record = tmp_path / "record.json"
    return {**os.environ, "BROWSER": f"{sys.executable} {script} %s {record}"}, record


def test_the_sign_in_url_never_reaches_a_command_line_only_a_private_page_that_is_removed(
    console_world: FakeIdentityCenter, recording_browser: tuple[dict[str, str], Path]
) -> None:
    env, record_path = recording_browser
    result = botocore_sso("console", "--profile", "us-east-1", env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    record = json.loads(record_path.read_text())
    assert "SigninToken" not in " ".join(record["argv"] + record["cmdlines"])
    assert "SigninToken" not in result.stdout + result.stderr
    assert record["mode"] == 0o600 and record["directory_mode"] == 0o700
    assert record["owner"] == os.getuid()
    assert not Path(record["page"]).exists() and not Path(record["page"]).parent.exists()
    [target] = re.findall(r'href="([^"]+)"', record["content"])
    url = html.unescape(target)
    query = parse_qs(urlsplit(url).query)
    assert console_world.signin_token_role(query["SigninToken"][0]) == ("alice", "111111111111", "ReadOnly")
    assert _follow_once(url) == (302, "https://console.aws.amazon.com/console/home?region=us-east-1")
    assert f'content="0;url={target}"' in record["content"], "the page goes there by itself"


def test_when_no_browser_starts_the_page_is_removed_and_the_error_says_no_browser(
    console_world: FakeIdentityCenter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pages = tmp_path / "tmp"
    pages.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(pages))
    monkeypatch.setattr(webbrowser, "open", lambda url: False)
    assert main(["console", "--profile", "us-east-1"]) == 1
    assert "no browser could be opened. Run again with --no-browser." in capsys.readouterr().err
    assert list(pages.iterdir()) == [], "the private page is gone"


def test_credentials_the_federation_endpoint_refuses_end_in_one_sentence(
    console_world: FakeIdentityCenter, capsys: pytest.CaptureFixture[str], aws_home: Path
) -> None:
    with (aws_home / ".aws" / "config").open("a") as config:
        config.write(
            "\n[profile forged]\naws_access_key_id = ASIAFORGED\naws_secret_access_key = s3cr3t-key\n"
            "aws_session_token = s3cr3t-token\n"
        )
    assert main(["console", "--profile", "forged", "--no-browser"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "HTTP 403" in err and err.count("\n") == 1
    assert "s3cr3t" not in err


@pytest.mark.parametrize(
    ("region", "endpoint"),
    [
        ("eu-west-1", "https://signin.aws.amazon.com/federation"),
        ("cn-northwest-1", "https://signin.amazonaws.cn/federation"),
        ("us-gov-east-1", "https://signin.amazonaws-us-gov.com/federation"),
    ],
)
def test_the_federation_endpoint_follows_the_partition(region: str, endpoint: str) -> None:
    assert federation_endpoint(partition_for_region(region)) == endpoint


def test_without_a_login_console_names_the_login_and_prints_no_url(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    write_config(CONFIG.format(name="dev", region="us-east-1") + SESSION)
    assert main(["console", "--profile", "dev", "--no-browser"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "Run: botocore-sso login --sso-session corp" in err
