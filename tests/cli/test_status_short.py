"""``botocore-sso status --short``: the prompt line without botocore, answering as the full path does.

Every case runs the real command in a new process twice: as a prompt runs
it (the quick path, which must import neither botocore nor boto3), and with
``--debug``, which always takes the full path (botocore's config parser,
this package's validation and cache). The two must print the same line and
exit with the same status, and the exit status must agree with
``status --profile P --format json``. Cases the quick readers are not sure
of must hand over: the quick run then imports botocore and still answers
as the full path.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, NamedTuple, Optional

import pytest

from botocore_sso_provider.testing import FakeIdentityCenter
from tests.cli.test_status import LEGACY
from tests.conftest import (
    COMMAND,
    SSO_CONFIG,
    botocore_sso,
    in_minutes,
    run_python,
    token_path,
    write_role_credentials,
)

ASSUME_ROLE = """
    [profile admin]
    role_arn = arn:aws:iam::111111111111:role/Admin
    source_profile = dev
"""
LEGACY_URL = "https://legacy.awsapps.com/start"

RUNNER = (
    "import json, sys\n"
    "from botocore_sso_provider.cli.main import main\n"
    "status = main(sys.argv[1:])\n"
    "sys.stdout.flush()\n"
    "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('botocore', 'boto3'))\n"
    "ours = sorted(m for m in sys.modules if m.startswith('botocore_sso_provider.'))\n"
    "print(json.dumps({'status': status, 'heavy': heavy, 'ours': ours}), file=sys.stderr)\n"
)


class Answer(NamedTuple):
    status: int
    stdout: str
    error: str
    """The last line on stderr that is not the runner's report (the error sentence, if any)."""
    heavy: List[str]
    ours: List[str]


def answer(*arguments: str, env: Optional[Dict[str, str]] = None) -> Answer:
    """``botocore-sso ARGUMENTS`` through the command's own entry point, in a new process."""
    done = run_python("-c", RUNNER, *arguments, env=env)
    lines = done.stderr.strip().splitlines()
    assert lines, done
    report = json.loads(lines[-1])
    errors = [line for line in lines[:-1] if line.startswith("botocore-sso:")]
    return Answer(
        report["status"], done.stdout, errors[-1] if errors else "", report["heavy"], report["ours"]
    )


def both_ways(profile: Optional[str], env: Optional[Dict[str, str]] = None) -> Answer:
    """The prompt line as a prompt asks for it, checked against the full path's (``--debug``)."""
    chosen = ["--profile", profile] if profile else []
    quick = answer("status", "--short", *chosen, env=env)
    full = answer("--debug", "status", "--short", *chosen, env=env)
    assert full.heavy, "--debug must take the full path"
    assert "Traceback" not in full.error
    assert (quick.status, quick.stdout, quick.error) == (full.status, full.stdout, full.error)
    return quick


def assert_quick(quick: Answer) -> None:
    assert quick.heavy == []
    for module in ("errors", "config", "cache", "status", "credentials"):
        assert f"botocore_sso_provider.{module}" not in quick.ours


def full_status_agrees(profile: str, quick: Answer, env: Optional[Dict[str, str]] = None) -> None:
    """``status --profile P --format json`` (a real process, the full path) gives the same exit status."""
    done = botocore_sso("status", "--profile", profile, "--format", "json", env=env)
    assert done.returncode == quick.status, done.stderr
    if done.returncode == 0:
        assert json.loads(done.stdout)["profile"]["usable"] is True


@pytest.fixture
def config(write_config: Callable[[str], Path]) -> Path:
    return write_config(SSO_CONFIG + LEGACY + ASSUME_ROLE)


Seed = Callable[..., Dict[str, Any]]
Setup = Callable[[Seed, Path], None]


@pytest.fixture
def prepare(
    idc: FakeIdentityCenter, config: Path, seed_login: Seed, aws_home: Path
) -> Callable[[Setup], None]:
    """Runs a case's setup in the temporary HOME, over the config above, with the fake's logins."""
    return lambda setup: setup(seed_login, aws_home)


def _legacy_expired_with_role_credentials(minutes: float, **fields: str) -> Setup:
    def setup(seed: Seed, home: Path) -> None:
        seed(session_name=None, startUrl=LEGACY_URL, expiresAt=in_minutes(-1))
        write_role_credentials(home, "old", minutes=minutes, **fields)

    return setup


def _token(
    session: Optional[str] = "corp", *, expires: float, registration: Optional[float] = None, **fields: str
) -> Setup:
    """A login expiring ``expires`` minutes from when the test runs (not when it is collected)."""

    def setup(seed: Seed, home: Path) -> None:
        times = {"expiresAt": in_minutes(expires)}
        if registration is not None:
            times["registrationExpiresAt"] = in_minutes(registration)
        if session is None:
            seed(session_name=None, startUrl=LEGACY_URL, **times, **fields)
        else:
            seed(**times, **fields)

    return setup


def _nothing(seed: Seed, home: Path) -> None:
    """No login at all."""


PLAIN_CASES: Dict[str, tuple[str, Setup, str, int]] = {
    "logged-in": ("dev", _token(expires=192.5), "corp 3h12m\n", 0),
    "expired-refreshable": ("dev", _token(expires=-5), "corp refresh\n", 0),
    "expired": ("dev", _token(expires=-5, refreshToken=""), "corp expired\n", 1),
    "registration-expired": (
        "dev",
        _token(expires=-5, registration=-1),
        "corp expired\n",
        1,
    ),
    "absent": ("dev", _nothing, "corp logged out\n", 1),
    "fresh-role-credentials": (
        "old",
        _legacy_expired_with_role_credentials(40.5),
        f"{LEGACY_URL} role 40m\n",
        0,
    ),
    "role-credentials-no-path-hands-out": (  # the provider and credential-process refuse them too
        "old",
        _legacy_expired_with_role_credentials(40.5, SessionToken="token\x1b]52;c;aGk=\x07"),
        f"{LEGACY_URL} expired\n",
        1,
    ),
    "expired-role-credentials": (
        "old",
        _legacy_expired_with_role_credentials(-1),
        f"{LEGACY_URL} expired\n",
        1,
    ),
    "legacy-logged-in": ("old", _token(None, expires=30.5), f"{LEGACY_URL} 30m\n", 0),
    "assume-role-on-sso": ("admin", _token(expires=90.5), "corp 1h30m\n", 0),
    "days-left": ("dev", _token(expires=26 * 60 + 0.5), "corp 1d2h\n", 0),
}


@pytest.mark.parametrize(("profile", "setup", "line", "status"), PLAIN_CASES.values(), ids=list(PLAIN_CASES))
def test_the_quick_line_is_the_full_paths_and_imports_no_botocore(
    profile: str,
    setup: Setup,
    line: str,
    status: int,
    prepare: Callable[[Setup], None],
) -> None:
    prepare(setup)
    quick = both_ways(profile)
    assert (quick.stdout, quick.status) == (line, status)
    assert_quick(quick)
    full_status_agrees(profile, quick)


def test_no_secret_is_printed(
    idc: FakeIdentityCenter, config: Path, seed_login: Seed, aws_home: Path
) -> None:
    token = seed_login()
    role = write_role_credentials(aws_home, "dev")
    quick = answer("status", "--short", "--profile", "dev")
    assert_quick(quick)
    shown = quick.stdout + quick.error
    for secret in (
        token["accessToken"],
        token["refreshToken"],
        token["clientSecret"],
        role["SecretAccessKey"],
    ):
        assert secret and secret not in shown


def test_the_console_script_imports_nothing_heavy(
    idc: FakeIdentityCenter, config: Path, seed_login: Seed
) -> None:
    """The installed ``botocore-sso`` itself, watched with ``-X importtime`` (every module it imports)."""
    seed_login(expiresAt=in_minutes(60.5))
    script = COMMAND[1:] if COMMAND[0] == sys.executable else COMMAND
    done = run_python("-X", "importtime", *script, "status", "--short", "--profile", "dev")
    assert (done.returncode, done.stdout) == (0, "corp 1h00m\n"), done.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    assert "botocore_sso_provider.rules.verdicts" in imported  # the report is real
    heavy = {name for name in imported if name.split(".")[0] in ("botocore", "boto3", "dateutil", "argparse")}
    assert heavy == set()
    assert not {f"botocore_sso_provider.{m}" for m in ("errors", "config", "cache", "status")} & imported


def test_the_profile_comes_from_the_environment_as_botocore_picks_it(
    idc: FakeIdentityCenter, config: Path, seed_login: Seed
) -> None:
    seed_login(expiresAt=in_minutes(60.5))
    seed_login(session_name=None, startUrl=LEGACY_URL, expiresAt=in_minutes(-1))
    for chosen, line in (
        ({"AWS_PROFILE": "dev"}, "corp 1h00m\n"),
        ({"AWS_DEFAULT_PROFILE": "old"}, f"{LEGACY_URL} expired\n"),
        ({"AWS_PROFILE": "dev", "AWS_DEFAULT_PROFILE": "old"}, f"{LEGACY_URL} expired\n"),  # botocore's order
    ):
        quick = both_ways(None, env={**os.environ, **chosen})
        assert quick.stdout == line, chosen
        assert_quick(quick)


def test_the_config_file_and_cache_directory_variables_are_honoured(
    idc: FakeIdentityCenter, aws_home: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "config").write_text(
        "[profile far]\nsso_session = remote\nsso_account_id = 333333333333\nsso_role_name = R\n"
        "[sso-session remote]\nsso_start_url = https://remote.awsapps.com/start\nsso_region = us-east-1\n"
    )
    tokens = tmp_path / "tokens"
    tokens.mkdir(mode=0o700)
    issued = idc.issue_token(session_name="remote", scopes=("sso:account:access",))
    issued.update(expiresAt=in_minutes(45.5))
    source = token_path(aws_home, "remote")
    (tokens / source.name).write_text(json.dumps(issued))
    env = {
        **os.environ,
        "CONFIG_DIR": str(elsewhere),
        "AWS_CONFIG_FILE": "$CONFIG_DIR/config",
        "BOTOCORE_SSO_TOKEN_CACHE_DIR": str(tokens),
    }
    quick = both_ways("far", env=env)
    assert (quick.stdout, quick.status) == ("remote 45m\n", 0)
    assert_quick(quick)
    full_status_agrees("far", quick, env=env)


def test_nested_settings_elsewhere_in_the_profile_do_not_send_it_the_full_way(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path], seed_login: Seed
) -> None:
    write_config(
        SSO_CONFIG.replace(
            "region = us-east-1", "region = us-east-1\n    s3 =\n      addressing_style = path"
        )
    )
    seed_login(expiresAt=in_minutes(20.5))
    quick = both_ways("dev")
    assert (quick.stdout, quick.status) == ("corp 20m\n", 0)
    assert_quick(quick)


def _world_writable_token(seed: Seed, home: Path) -> None:
    seed(expiresAt=in_minutes(60.5))
    token_path(home, "corp").chmod(0o666)


def _group_writable_cache_directory(seed: Seed, home: Path) -> None:
    seed(expiresAt=in_minutes(60.5))
    token_path(home, "corp").parent.chmod(0o770)  # cache.py trusts it if the group is ours alone


def _unparsable_token(seed: Seed, home: Path) -> None:
    path = token_path(home, "corp")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json")


def _symlinked_token(seed: Seed, home: Path) -> None:
    seed(expiresAt=in_minutes(60.5))
    path = token_path(home, "corp")
    target = path.with_name("elsewhere.json")
    path.rename(target)
    path.symlink_to(target)


def _config(text: str) -> Setup:
    def write(seed: Seed, home: Path) -> None:
        (home / ".aws" / "config").write_text(text)
        seed(expiresAt=in_minutes(60.5))

    return write


SESSION = "[sso-session corp]\nsso_start_url = https://fake-idc.awsapps.com/start\nsso_region = us-east-1\n"
DEV = "[profile dev]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = ReadOnly\n"

HANDED_OVER: Dict[str, tuple[str, Setup, str]] = {
    "unknown-profile": ("nope", lambda seed, home: None, 'The profile "nope" does not exist'),
    "not-an-sso-profile": (
        "plain",
        _config(SESSION + "[profile plain]\nregion = us-east-1\n"),
        "not an SSO profile",
    ),
    "missing-session-section": ("dev", _config(DEV), "has no [sso-session corp] section"),
    "missing-region": ("dev", _config(DEV + SESSION.replace("sso_region = us-east-1\n", "")), "sso_region"),
    "bad-region": ("dev", _config(DEV + SESSION.replace("us-east-1", "us east 1")), "is not a region name"),
    "disagreeing-start-url": (
        "dev",
        _config(DEV + "sso_start_url = https://other.awsapps.com/start\n" + SESSION),
        "Make them agree",
    ),
    "duplicate-section": ("dev", _config(DEV + SESSION + SESSION), "Unable to parse config file"),
    "nested-sso-setting": (
        "dev",
        _config(DEV + "sso_role_name =\n  nested = yes\n" + SESSION),
        "",
    ),
    "broken-nested-block": (
        "dev",
        _config(DEV + "s3 =\n  no equals sign\n" + SESSION),
        "Unable to parse config file",
    ),
    "world-writable-token": ("dev", _world_writable_token, ""),
    "group-writable-cache-directory": ("dev", _group_writable_cache_directory, ""),
    "unparsable-token": ("dev", _unparsable_token, ""),
    "symlinked-token": ("dev", _symlinked_token, ""),
}


@pytest.mark.parametrize(("profile", "setup", "error"), HANDED_OVER.values(), ids=list(HANDED_OVER))
def test_what_the_quick_readers_are_unsure_of_is_answered_by_the_full_path(
    profile: str,
    setup: Setup,
    error: str,
    prepare: Callable[[Setup], None],
) -> None:
    prepare(setup)
    quick = both_ways(profile)
    assert quick.heavy, "the quick path answered what it should have handed over"
    assert error in quick.error
    if quick.error:
        assert (quick.status, quick.stdout) == (1, "")
    else:
        full_status_agrees(profile, quick)


def test_an_empty_config_file_variable_names_no_file_as_in_botocore(
    idc: FakeIdentityCenter, config: Path, seed_login: Seed
) -> None:
    seed_login(expiresAt=in_minutes(60.5))
    quick = both_ways("dev", env={**os.environ, "AWS_CONFIG_FILE": ""})
    assert quick.heavy
    assert quick.status == 1 and quick.stdout == ""
    assert 'The profile "dev" does not exist' in quick.error
