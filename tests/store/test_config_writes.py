"""The config file is the user's: read as botocore reads it, written keeping owner, mode and symlinks.

Every writer of ``~/.aws/config`` (``populate``, the login's ``sso_region``
correction) goes through ``config_file.replace_config_file``; these tests
run the real command in a subprocess and look at the file afterwards.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Callable

import botocore.session
import pytest

from botocore_sso_provider.testing import Account, FakeIdentityCenter
from tests.conftest import botocore_sso, seed_token

pytestmark = pytest.mark.functional

SSO_SESSION = """\
[sso-session corp]
sso_start_url = https://fake-idc.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
"""

ASSUME_ROLE = """\
{header}
role_arn = arn:aws:iam::999999999999:role/ProductionAdmin
source_profile = base

[profile base]
aws_access_key_id = AKIAEXAMPLEEXAMPLE01
aws_secret_access_key = example-secret-not-real

"""

SPELLINGS = {
    "quoted": '[profile "dev.ReadOnly"]',
    "tab": "[profile\tdev.ReadOnly]",
    "trailing-text": "[profile dev.ReadOnly] (prod)",
    "more-spaces": "[profile  dev.ReadOnly ]",
}

ANOTHER_USER = 65534  # nobody


@pytest.fixture
def org(aws_home: Path, make_idc: Callable[..., FakeIdentityCenter]) -> FakeIdentityCenter:
    server = make_idc(accounts=(Account("111111111111", "dev", "dev@example.com", ("ReadOnly", "Admin")),))
    seed_token(server, aws_home)
    return server


def populate(*extra: str) -> None:
    done = botocore_sso("populate", "--sso-session", "corp", *extra)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("header", SPELLINGS.values(), ids=SPELLINGS.keys())
def test_a_hand_written_profile_under_any_header_botocore_reads_is_kept(
    header: str, org: FakeIdentityCenter, aws_home: Path
) -> None:
    config = aws_home / ".aws" / "config"
    hand_written = ASSUME_ROLE.format(header=header) + SSO_SESSION
    config.write_text(hand_written)
    assert botocore.session.Session().full_config["profiles"]["dev.ReadOnly"]["source_profile"] == "base"

    populate()
    text = config.read_text()
    assert text.startswith(hand_written), "the hand-written part, byte for byte"
    profiles = botocore.session.Session().full_config["profiles"]  # no ConfigParseError
    assert profiles["dev.ReadOnly"]["role_arn"].endswith(":role/ProductionAdmin")
    assert "sso_role_name" not in profiles["dev.ReadOnly"], "not shadowed by a generated section"
    assert profiles["dev.ReadOnly-111111111111"]["sso_role_name"] == "ReadOnly"
    assert profiles["dev.Admin"]["sso_role_name"] == "Admin"
    credentials = botocore.session.Session(profile="dev.ReadOnly").get_credentials()
    assert credentials.method == "assume-role"

    before = config.read_bytes()
    populate()
    assert config.read_bytes() == before, "a second run writes nothing"


def test_an_indented_header_inside_a_value_is_not_a_section(org: FakeIdentityCenter, aws_home: Path) -> None:
    config = aws_home / ".aws" / "config"
    hand_written = "[profile base]\nregion = eu-west-1\ns3 =\n  [profile dev.ReadOnly] = x\n\n" + SSO_SESSION
    config.write_text(hand_written)
    populate()
    profiles = botocore.session.Session().full_config["profiles"]
    assert profiles["dev.ReadOnly"]["sso_account_id"] == "111111111111"
    assert config.read_text().startswith(hand_written)


def test_a_symlinked_config_stays_a_symlink_and_its_target_keeps_its_mode(
    org: FakeIdentityCenter, aws_home: Path
) -> None:
    dotfiles = aws_home / "dotfiles"
    dotfiles.mkdir()
    target = dotfiles / "aws-config"
    target.write_text(SSO_SESSION)
    target.chmod(0o640)
    config = aws_home / ".aws" / "config"
    config.symlink_to(target)
    populate()
    assert config.is_symlink() and os.readlink(config) == str(target)
    assert "[profile dev.ReadOnly]" in target.read_text()
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert (dotfiles / "aws-config.bak").read_text() == SSO_SESSION
    assert not (aws_home / ".aws" / "config.bak").exists()


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another user")


def as_sudo(user: int) -> dict[str, str]:
    """This environment as ``sudo -E`` leaves it for root (HOME kept, the user named)."""
    return {**os.environ, "SUDO_UID": str(user), "SUDO_GID": str(user), "SUDO_USER": "nobody"}


def owner_and_mode(path: Path) -> tuple[int, int, int]:
    info = path.stat()
    return info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)


@needs_root
def test_populate_under_sudo_keeps_the_users_owner_and_mode(org: FakeIdentityCenter, aws_home: Path) -> None:
    config = aws_home / ".aws" / "config"
    config.write_text(SSO_SESSION)
    os.chown(config, ANOTHER_USER, ANOTHER_USER)
    config.chmod(0o644)
    done = botocore_sso("populate", "--sso-session", "corp", env=as_sudo(ANOTHER_USER))
    assert done.returncode == 0, done.stderr
    assert "[profile dev.ReadOnly]" in config.read_text()
    assert owner_and_mode(config) == (ANOTHER_USER, ANOTHER_USER, 0o644)
    backup = aws_home / ".aws" / "config.bak"
    assert backup.read_text() == SSO_SESSION
    assert owner_and_mode(backup) == (ANOTHER_USER, ANOTHER_USER, 0o644)


VANITY_CONFIG = """\
[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = ReadOnly

{header}
sso_start_url = {start_url}
sso_region = us-east-1
sso_registration_scopes = sso:account:access
"""

PORTAL = "https://ssoins-7223fa6e0fd2b1c3.portal.eu-west-1.app.aws/start/"


def log_in(env: dict[str, str] | None = None) -> None:
    done = botocore_sso("login", "--sso-session", "corp", "--no-browser", env=env)
    assert done.returncode == 0, done.stderr
    assert "is now eu-west-1" in done.stdout, done.stdout


@needs_root
def test_the_logins_region_correction_keeps_owner_mode_and_symlink(
    idc: FakeIdentityCenter, aws_home: Path
) -> None:
    idc.redirect_vanity_to(PORTAL)
    target = aws_home / "dotfiles" / "aws-config"
    target.parent.mkdir()
    target.write_text(VANITY_CONFIG.format(header="[sso-session corp]", start_url=idc.vanity_start_url))
    os.chown(target, ANOTHER_USER, ANOTHER_USER)
    target.chmod(0o640)
    config = aws_home / ".aws" / "config"
    config.symlink_to(target)
    log_in(env=as_sudo(ANOTHER_USER))
    assert config.is_symlink() and os.readlink(config) == str(target)
    assert owner_and_mode(target) == (ANOTHER_USER, ANOTHER_USER, 0o640)
    assert botocore.session.Session().full_config["sso_sessions"]["corp"]["sso_region"] == "eu-west-1"


def test_the_logins_region_correction_finds_the_section_botocore_reads(
    idc: FakeIdentityCenter, aws_home: Path
) -> None:
    idc.redirect_vanity_to(PORTAL)
    config = aws_home / ".aws" / "config"
    config.write_text(VANITY_CONFIG.format(header='[sso-session "corp"]', start_url=idc.vanity_start_url))
    log_in()
    assert '[sso-session "corp"]\nsso_start_url' in config.read_text()
    assert botocore.session.Session().full_config["sso_sessions"]["corp"]["sso_region"] == "eu-west-1"
