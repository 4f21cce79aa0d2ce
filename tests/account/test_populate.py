"""``botocore-sso populate``: the config file edited in place, everything not ours kept byte for byte."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Callable

import botocore.session
import pytest

from botocore_sso_provider.cli.main import main
from botocore_sso_provider.testing import Account, FakeIdentityCenter
from tests.conftest import seed_token

pytestmark = pytest.mark.functional

HAND_WRITTEN = """\
# My AWS config. Keep this comment.
[default]
region = eu-central-1   ; inline comment kept

[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = ReadOnly
s3 =
  max_concurrent_requests = 20

; a comment between sections
[sso-session corp]
sso_start_url = https://fake-idc.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
"""

ACCOUNTS = (
    Account("111111111111", "dev", "dev@example.com", ("ReadOnly", "Admin")),
    Account("222222222222", "Prod Account", "prod@example.com", ("ReadOnly",)),
    Account("333333333333", "dev", "dev2@example.com", ("Admin",)),  # the same name: a clash
)


@pytest.fixture
def org(make_idc: Callable[..., FakeIdentityCenter]) -> FakeIdentityCenter:
    return make_idc(accounts=ACCOUNTS)


@pytest.fixture
def config(aws_home: Path, org: FakeIdentityCenter) -> Path:
    path = aws_home / ".aws" / "config"
    path.write_text(HAND_WRITTEN)
    os.chmod(path, 0o640)
    seed_token(org, aws_home)
    return path


def _populate(*extra: str) -> int:
    return main(["populate", "--sso-session", "corp", *extra])


def test_populate_adds_every_pair_keeps_the_rest_and_a_second_run_changes_no_byte(
    config: Path, org: FakeIdentityCenter
) -> None:
    assert _populate("--region", "eu-west-1") == 0
    first = config.read_bytes()
    text = first.decode()
    assert text.startswith(HAND_WRITTEN)  # content, order, comments, sub-values: untouched
    assert stat.S_IMODE(os.stat(config).st_mode) == 0o640
    assert (config.parent / "config.bak").read_text() == HAND_WRITTEN
    profiles = botocore.session.Session().full_config["profiles"]
    generated = {name: p for name, p in profiles.items() if p.get("botocore_sso_generated") == "corp"}
    assert sorted(generated) == [
        "Prod-Account.ReadOnly",
        "dev.Admin",
        "dev.Admin-333333333333",
        "dev.ReadOnly",
    ]
    assert {(p["sso_account_id"], p["sso_role_name"]) for p in generated.values()} == {
        ("111111111111", "ReadOnly"),
        ("111111111111", "Admin"),
        ("222222222222", "ReadOnly"),
        ("333333333333", "Admin"),
    }
    assert all(p["region"] == "eu-west-1" and p["sso_session"] == "corp" for p in generated.values())
    assert profiles["dev"]["s3"] == {"max_concurrent_requests": "20"}

    mtime = os.stat(config).st_mtime_ns
    assert _populate("--region", "eu-west-1") == 0
    assert config.read_bytes() == first
    assert os.stat(config).st_mtime_ns == mtime  # nothing to change: not even rewritten


def test_a_generated_profile_works_with_botocore(config: Path, org: FakeIdentityCenter) -> None:
    assert _populate() == 0
    credentials = botocore.session.Session(profile="Prod-Account.ReadOnly").get_credentials()
    assert credentials.get_frozen_credentials().access_key.startswith("ASIA")
    assert org.request_counts()["GetRoleCredentials"] == 1


def test_prune_removes_only_generated_profiles_whose_role_is_gone(
    config: Path, aws_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _populate() == 0
    with FakeIdentityCenter(accounts=ACCOUNTS[:1]) as smaller:  # accounts 2 and 3 are gone
        for name, value in smaller.environ().items():
            monkeypatch.setenv(name, value)
        seed_token(smaller, aws_home)
        before = config.read_text()
        assert _populate() == 0
        assert config.read_text() == before  # without --prune nothing goes
        assert _populate("--prune") == 0
    profiles = botocore.session.Session().full_config["profiles"]
    assert "dev" in profiles and "default" in profiles  # hand-written, kept
    assert "dev.ReadOnly" in profiles and "dev.Admin" in profiles
    assert "Prod-Account.ReadOnly" not in profiles and "dev.Admin-333333333333" not in profiles
    assert config.read_text().startswith(HAND_WRITTEN)


def test_dry_run_prints_a_diff_and_writes_nothing(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _populate("--dry-run") == 0
    out = capsys.readouterr()
    assert config.read_text() == HAND_WRITTEN
    assert not (config.parent / "config.bak").exists()
    assert "+[profile dev.ReadOnly]" in out.out
    assert "+sso_account_id = 333333333333" in out.out
    assert "was not changed" in out.err


def test_a_bad_template_is_one_sentence_before_any_request(
    config: Path, org: FakeIdentityCenter, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _populate("--profile-name-template", "{acount}") == 2
    err = capsys.readouterr().err
    assert "{account_name}" in err and err.count("\n") == 1
    assert org.request_counts()["ListAccounts"] == 0


def test_a_symlinked_config_stays_a_symlink(config: Path, aws_home: Path) -> None:
    real = aws_home / "real-config"
    real.write_text(config.read_text())
    config.unlink()
    config.symlink_to(real)
    assert _populate() == 0
    assert config.is_symlink()
    assert "[profile dev.ReadOnly]" in real.read_text()


def test_a_config_that_is_not_utf8_is_left_alone_with_one_sentence(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config.write_bytes(HAND_WRITTEN.encode() + b"# caf\xe9\n")
    before = config.read_bytes()
    assert _populate() == 1
    err = capsys.readouterr().err  # botocore itself may refuse to parse it first
    assert err.count("\n") == 1 and ("is not UTF-8 text" in err or "Unable to parse config file" in err)
    assert config.read_bytes() == before
