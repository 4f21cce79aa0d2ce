"""``login --if-needed`` and ``login --force``, through the real command against the fake Identity Center.

Every case runs ``botocore-sso`` in a new process and counts what reached the
fake: a kept token costs no request; a refresh is one CreateToken and no
StartDeviceAuthorization; a login is one StartDeviceAuthorization.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Callable, Dict, List, Optional

import botocore.session
import pytest

from botocore_sso_provider.login.single_flight import log_in_once
from botocore_sso_provider.provider.config import resolve_session
from botocore_sso_provider.rules.records import TokenRecord
from botocore_sso_provider.store.cache import JSONFileCache
from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import (
    COMMAND,
    LEGACY_CONFIG,
    SSO_CONFIG,
    botocore_sso,
    in_minutes,
    run_python,
    seed_token,
    stored_token,
    token_path,
)
from tests.herds import Worker

pytestmark = pytest.mark.functional

IF_NEEDED = ("login", "--if-needed", "--sso-session", "corp", "--use-device-code", "--no-browser")
REFRESH = "refresh_token"
DEVICE = "urn:ietf:params:oauth:grant-type:device_code"
USER_CODE = re.compile(r"^\s+([A-Z]{4}-[A-Z]{4})\s*$")
START_URL = "https://fake-idc.awsapps.com/start"
MINUTES_30 = datetime.timedelta(minutes=30)
HOUR = datetime.timedelta(hours=1)


def requests(idc: FakeIdentityCenter) -> Dict[str, int]:
    return {name: count for name, count in idc.request_counts().items() if count}


def one_sentence(stderr: str) -> str:
    """The stderr of a failed command: one line, ``botocore-sso: ...``, never a traceback."""
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("botocore-sso: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


def start(*args: str) -> Worker:
    return Worker(
        subprocess.Popen(
            [*COMMAND, *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    )


def read_user_code(worker: Worker, *, stderr: bool = False) -> str:
    while True:
        line = worker.read_line(stderr=stderr)
        assert line, f"process {worker.pid} ended before showing a code: {worker.finish(timeout=5)}"
        match = USER_CODE.match(line)
        if match:
            return match.group(1)


def finish(worker: Worker) -> subprocess.CompletedProcess[str]:
    out, err = worker.process.communicate(timeout=60)
    return subprocess.CompletedProcess(worker.process.args, worker.process.returncode, out, err)


# --- the token is kept -------------------------------------------------------------------------


def test_a_token_valid_for_more_than_the_margin_is_kept_with_no_request(
    idc: FakeIdentityCenter, login: Callable[..., dict]
) -> None:
    seeded = login(expiresAt=in_minutes(45))
    result = botocore_sso(*IF_NEEDED)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "", "stdout stays empty for scripts"
    until = seeded["expiresAt"]
    assert (
        result.stderr
        == f'The login to the sso-session "corp" is valid until {until} (44m left): nothing to do.\n'
    )
    assert requests(idc) == {}, "no request at all"


KEPT_WITHOUT_BOTOCORE = """
import sys
from botocore_sso_provider.cli.main import main
status = main(sys.argv[1:])
print(status, "botocore" in sys.modules)
"""


def test_a_kept_login_is_answered_without_importing_botocore_as_the_full_path_answers(
    idc: FakeIdentityCenter, login: Callable[..., dict]
) -> None:
    """A shell start-up file runs it every time: the warm path decides by the same rules, or not at all."""
    login(expiresAt=in_minutes(45))
    warm = run_python("-c", KEPT_WITHOUT_BOTOCORE, "login", "--if-needed", "--sso-session", "corp")
    full = botocore_sso("login", "--if-needed", "--sso-session", "corp", "--debug")
    by_profile = botocore_sso("login", "--if-needed", env={**os.environ, "AWS_PROFILE": "dev"})
    assert warm.stdout == "0 False\n", warm.stderr
    kept = 'The login to the sso-session "corp" is valid until'
    assert warm.stderr.startswith(kept) and warm.stderr.endswith(": nothing to do.\n")
    assert kept in full.stderr and full.returncode == 0, "the full path (--debug) keeps it too"
    assert by_profile.stderr.startswith('The login to the sso-session "corp" (profile "dev") is valid until')
    assert requests(idc) == {}


def test_min_remaining_zero_renews_only_an_expired_token(
    idc: FakeIdentityCenter, login: Callable[..., dict]
) -> None:
    login(expiresAt=in_minutes(3))
    result = botocore_sso(*IF_NEEDED, "--min-remaining", "0")
    assert result.returncode == 0, result.stderr
    assert "nothing to do" in result.stderr
    assert requests(idc) == {}


def test_a_legacy_login_valid_for_hours_is_kept(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path], seed_login: Callable[..., dict]
) -> None:
    write_config(LEGACY_CONFIG)
    seed_login(session_name=None, expiresAt=in_minutes(120))
    result = botocore_sso("login", "--if-needed", "--profile", "legacy")
    assert result.returncode == 0, result.stderr
    assert f'the start URL {START_URL} (profile "legacy") is valid until' in result.stderr
    assert requests(idc) == {}


# --- the token is refreshed --------------------------------------------------------------------


def test_a_due_token_is_refreshed_without_a_browser(
    idc: FakeIdentityCenter, login: Callable[..., dict], aws_home: Path
) -> None:
    seeded = login(expiresAt=in_minutes(10))
    result = botocore_sso(*IF_NEEDED)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert requests(idc) == {"CreateToken": 1}
    assert idc.grant_counts()[REFRESH] == 1
    token = stored_token(aws_home)
    assert token["accessToken"] != seeded["accessToken"] and idc.access_token_is_valid(token["accessToken"])
    assert result.stderr == (
        f'Refreshed without a browser: the login to the sso-session "corp" is valid until '
        f"{token['expiresAt']} (59m left).\n"
    )


def test_an_expired_refreshable_token_is_refreshed_not_logged_in(
    idc: FakeIdentityCenter, login: Callable[..., dict]
) -> None:
    login(expiresAt=in_minutes(-5))
    result = botocore_sso(*IF_NEEDED)
    assert result.returncode == 0, result.stderr
    assert requests(idc) == {"CreateToken": 1}


def test_min_remaining_longer_than_the_token_refreshes_and_says_the_service_issues_shorter_ones(
    idc: FakeIdentityCenter, login: Callable[..., dict]
) -> None:
    login(expiresAt=in_minutes(60))  # the fake's access tokens last an hour, as IAM Identity Center's
    result = botocore_sso(*IF_NEEDED, "--min-remaining", "120")
    assert result.returncode == 0, result.stderr
    assert requests(idc) == {"CreateToken": 1}, "a refresh, not a login"
    assert "Refreshed without a browser" in result.stderr
    assert "That is no more than the 120 minutes asked" in result.stderr


def test_min_remaining_is_met_by_a_longer_token(
    make_idc: Callable[..., FakeIdentityCenter], write_config: Callable[[str], Path], aws_home: Path
) -> None:
    idc = make_idc(access_token_ttl=4 * 3600)
    write_config(SSO_CONFIG)
    seed_token(idc, aws_home, expiresAt=in_minutes(60))
    first = botocore_sso(*IF_NEEDED, "--min-remaining", "120")
    second = botocore_sso(*IF_NEEDED, "--min-remaining", "120")
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert "Refreshed without a browser" in first.stderr and "minutes asked" not in first.stderr
    assert "nothing to do" in second.stderr
    assert requests(idc) == {"CreateToken": 1}


def test_many_processes_refreshing_at_once_make_one_create_token(
    idc: FakeIdentityCenter, login: Callable[..., dict], aws_home: Path
) -> None:
    login(expiresAt=in_minutes(5))
    cache = JSONFileCache(str(token_path(aws_home, "corp").parent))
    key = token_path(aws_home, "corp").stem
    workers: List[Worker] = []
    try:
        with cache.lock(key):  # held here until all four wait for it: they contend for certain
            workers = [start(*IF_NEEDED, "--debug") for _ in range(4)]
            for worker in workers:
                worker.wait_for("held by another process", stderr=True)
        results = [finish(worker) for worker in workers]
    finally:
        for worker in workers:
            if worker.process.poll() is None:
                worker.process.kill()
    assert [result.returncode for result in results] == [0] * 4, [r.stderr for r in results]
    assert requests(idc) == {"CreateToken": 1}, "one refresh for four processes"
    token = stored_token(aws_home)
    assert all(token["expiresAt"] in result.stderr for result in results), "all report the same token"


# --- a login runs ------------------------------------------------------------------------------


def test_an_ended_session_leads_to_a_login(
    idc: FakeIdentityCenter, login: Callable[..., dict], aws_home: Path
) -> None:
    login(expiresAt=in_minutes(5))
    idc.end_sessions()
    result = botocore_sso(*IF_NEEDED)
    assert result.returncode == 0, result.stderr
    assert idc.grant_counts()[REFRESH] == 1, "the refresh was tried and refused"
    assert idc.request_counts()["StartDeviceAuthorization"] == 1
    assert 'Logging in to the sso-session "corp": the session has ended' in result.stderr
    assert f"{idc.url}/device" in result.stderr, "the login's prompt is on stderr too"
    assert result.stdout == ""
    token = stored_token(aws_home)
    assert idc.access_token_is_valid(token["accessToken"])
    assert f'Logged in: the login to the sso-session "corp" is valid until {token["expiresAt"]}' in (
        result.stderr
    )


def test_a_legacy_login_near_expiry_leads_to_a_login(
    idc: FakeIdentityCenter,
    write_config: Callable[[str], Path],
    seed_login: Callable[..., dict],
    aws_home: Path,
) -> None:
    write_config(LEGACY_CONFIG)
    seed_login(session_name=None, expiresAt=in_minutes(10))
    result = botocore_sso("login", "--if-needed", "--profile", "legacy", "--no-browser")
    assert result.returncode == 0, result.stderr
    assert "has only 9m left and has no refresh token" in result.stderr
    assert idc.request_counts()["StartDeviceAuthorization"] == 1
    assert idc.grant_counts()[REFRESH] == 0, "a legacy login is never refreshed"
    assert idc.access_token_is_valid(stored_token(aws_home, START_URL)["accessToken"])


def test_an_expired_registration_leads_to_a_login_without_a_refresh(
    idc: FakeIdentityCenter, login: Callable[..., dict]
) -> None:
    login(expiresAt=in_minutes(5), registrationExpiresAt=in_minutes(-1))
    result = botocore_sso(*IF_NEEDED)
    assert result.returncode == 0, result.stderr
    assert "its client registration has expired" in result.stderr
    assert idc.grant_counts()[REFRESH] == 0
    assert idc.request_counts()["StartDeviceAuthorization"] == 1


def test_no_token_file_leads_to_a_login(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path], aws_home: Path
) -> None:
    write_config(SSO_CONFIG)
    result = botocore_sso(*IF_NEEDED)
    assert result.returncode == 0, result.stderr
    assert 'Logging in to the sso-session "corp": there is no login.' in result.stderr
    assert idc.request_counts()["StartDeviceAuthorization"] == 1
    assert idc.access_token_is_valid(stored_token(aws_home)["accessToken"])


def test_an_unreadable_token_file_is_replaced_by_a_login(
    idc: FakeIdentityCenter, write_config: Callable[[str], Path], aws_home: Path
) -> None:
    write_config(SSO_CONFIG)
    path = token_path(aws_home, "corp")
    path.parent.mkdir(parents=True)
    path.write_text('{"accessToken": "half a fi')
    path.chmod(0o600)
    result = botocore_sso(*IF_NEEDED)
    assert result.returncode == 0, result.stderr
    assert f"its token file {path} is unreadable" in result.stderr
    assert "the login replaces it" in result.stderr
    assert idc.request_counts()["StartDeviceAuthorization"] == 1
    assert idc.access_token_is_valid(stored_token(aws_home)["accessToken"])


def test_a_token_file_others_may_write_is_one_sentence_and_no_login(
    idc: FakeIdentityCenter, login: Callable[..., dict], aws_home: Path
) -> None:
    seeded = login(expiresAt=in_minutes(5))
    token_path(aws_home, "corp").chmod(0o666)
    result = botocore_sso(*IF_NEEDED)
    assert result.returncode == 1
    assert "chmod" in one_sentence(result.stderr)
    assert requests(idc) == {}, "never logs in over a file it must not trust"
    assert stored_token(aws_home) == seeded


def test_if_needed_waits_for_another_process_login_and_uses_it(
    make_idc: Callable[..., FakeIdentityCenter], write_config: Callable[[str], Path], aws_home: Path
) -> None:
    idc = make_idc(auto_approve=False)
    write_config(SSO_CONFIG)
    first = start("login", "--sso-session", "corp", "--use-device-code", "--no-browser")
    try:
        code = read_user_code(first)
        waiter = start(*IF_NEEDED)
        waiter.wait_for("Another process is logging in", stderr=True)
        idc.approve(code)
        done, waited = finish(first), finish(waiter)
    finally:
        for worker in (first,):
            if worker.process.poll() is None:
                worker.process.kill()
    assert done.returncode == waited.returncode == 0, done.stderr + waited.stderr
    assert idc.request_counts()["StartDeviceAuthorization"] == 1, "one login for both"
    assert stored_token(aws_home)["expiresAt"] in waited.stderr


# --- a refresh that fails for a passing reason -------------------------------------------------


def test_a_passing_refresh_failure_keeps_the_valid_token_with_a_warning(
    idc: FakeIdentityCenter, login: Callable[..., dict], aws_home: Path
) -> None:
    seeded = login(expiresAt=in_minutes(10))
    idc.inject("CreateToken", "InternalServerException", times=100)
    result = botocore_sso(*IF_NEEDED)
    assert result.returncode == 0, result.stderr
    assert "botocore-sso: warning: could not refresh the login" in result.stderr
    assert "InternalServerException" in result.stderr
    kept = f'Keeping it: the login to the sso-session "corp" is valid until {seeded["expiresAt"]}'
    assert kept in result.stderr
    assert idc.request_counts()["StartDeviceAuthorization"] == 0, "no login: it would meet the same failure"
    assert stored_token(aws_home) == seeded, "the login is untouched"


def test_a_passing_refresh_failure_of_an_expired_token_is_one_sentence(
    idc: FakeIdentityCenter, login: Callable[..., dict], aws_home: Path
) -> None:
    seeded = login(expiresAt=in_minutes(-1))
    idc.inject("CreateToken", "InternalServerException", times=100)
    result = botocore_sso(*IF_NEEDED)
    assert result.returncode == 1
    assert "HTTP 500" in one_sentence(result.stderr)
    assert idc.request_counts()["StartDeviceAuthorization"] == 0
    assert stored_token(aws_home) == seeded


# --- usage ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "says"),
    [
        pytest.param(("--if-needed", "--force"), "not allowed with argument", id="if-needed-and-force"),
        pytest.param(("--min-remaining", "30"), "works only with --if-needed", id="min-remaining-alone"),
        pytest.param(("--force", "--min-remaining", "30"), "works only with --if-needed", id="force-min"),
        pytest.param(("--if-needed", "--min-remaining", "-1"), "not a whole number", id="negative"),
        pytest.param(("--if-needed", "--min-remaining", "1441"), "0 to 1440", id="over-a-day"),
        pytest.param(("--if-needed", "--min-remaining", "1.5"), "not a whole number", id="fraction"),
    ],
)
def test_usage_errors_exit_2(
    idc: FakeIdentityCenter, login: Callable[..., dict], args: tuple, says: str
) -> None:
    login(expiresAt=in_minutes(5))
    result = botocore_sso("login", "--sso-session", "corp", *args)
    assert result.returncode == 2
    assert says in result.stderr and "Traceback" not in result.stderr
    assert requests(idc) == {}


# --- --force ---------------------------------------------------------------------------------------


def test_force_logs_in_anew_over_a_valid_token(
    idc: FakeIdentityCenter, login: Callable[..., dict], aws_home: Path
) -> None:
    seeded = login(expiresAt=in_minutes(300))
    result = botocore_sso("login", "--force", "--sso-session", "corp", "--use-device-code", "--no-browser")
    assert result.returncode == 0, result.stderr
    assert requests(idc)["StartDeviceAuthorization"] == 1
    assert stored_token(aws_home)["accessToken"] != seeded["accessToken"]


def test_force_does_not_wait_for_another_process_login(
    make_idc: Callable[..., FakeIdentityCenter], write_config: Callable[[str], Path], aws_home: Path
) -> None:
    idc = make_idc(auto_approve=False)
    write_config(SSO_CONFIG)
    device = ("--sso-session", "corp", "--use-device-code", "--no-browser")
    first = start("login", *device)
    forced: Optional[Worker] = None
    try:
        first_code = read_user_code(first)
        forced = start("login", "--force", *device)
        said = forced.wait_for("--force logs in without waiting for it")
        assert f"Process {first.pid}" in said[-1], "it names the process holding the login lock"
        forced_code = read_user_code(forced)
        idc.approve(forced_code)
        forced_done = finish(forced)
        assert forced_done.returncode == 0, forced_done.stderr
        forced_token = stored_token(aws_home)
        assert forced_token["expiresAt"] in forced_done.stdout
        assert first.process.poll() is None, "the other login is still waiting for its person"
        idc.approve(first_code)
        first_done = finish(first)
    finally:
        for worker in (first, forced):
            if worker is not None and worker.process.poll() is None:
                worker.process.kill()
    assert first_done.returncode == 0, first_done.stderr
    assert idc.request_counts()["StartDeviceAuthorization"] == 2, "two logins: --force did not wait"
    last = stored_token(aws_home)
    assert last["accessToken"] != forced_token["accessToken"], "the last login to finish is kept"
    assert idc.access_token_is_valid(last["accessToken"]) and idc.access_token_is_valid(
        forced_token["accessToken"]
    )
    assert json.loads(token_path(aws_home, "corp").read_text()) == last, "a whole file, never a mix"


# --- the login lock, in this process -------------------------------------------------------------


def test_under_the_login_lock_a_token_that_lasts_long_enough_is_used_instead_of_a_login(
    idc: FakeIdentityCenter, login: Callable[..., dict], aws_home: Path
) -> None:
    """Another process renewed the token between our look and our lock: no second login."""
    seeded = login(expiresAt=in_minutes(50))
    config = resolve_session(botocore.session.Session().full_config, "corp")
    cache = JSONFileCache(str(token_path(aws_home, "corp").parent))

    def no_login() -> TokenRecord:
        raise AssertionError("logged in although the token lasts long enough")

    token, logged_in = log_in_once(
        config,
        cache,
        no_login,
        out=io.StringIO(),
        wait_timeout=5,
        reuse_if_lasts=datetime.timedelta(minutes=30),
    )
    assert not logged_in and token.access_token == seeded["accessToken"]
    with pytest.raises(AssertionError, match="logged in although"):
        log_in_once(
            config,
            cache,
            no_login,
            out=io.StringIO(),
            wait_timeout=5,
            reuse_if_lasts=datetime.timedelta(hours=1),
        )


# --- a token cache that cannot be written ----------------------------------------------------------

READ_ONLY = 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" && shift && exec "$@"'


def run_with_read_only(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``botocore-sso args`` with ``directory`` read-only for that process alone (a mount into a container).

    As root, where modes stop nothing, a read-only bind mount in a private mount namespace.
    """
    command = [*COMMAND, *args]
    if os.geteuid() == 0:
        if shutil.which("unshare") is None:
            pytest.skip("running as root without unshare for a read-only bind mount")
        command = ["unshare", "--mount", "sh", "-c", READ_ONLY, "sh", str(directory), *command]
    else:
        directory.chmod(0o500)
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    finally:
        directory.chmod(0o700)
    if "mount:" in done.stderr or "unshare:" in done.stderr:
        pytest.skip(f"no read-only bind mount here: {done.stderr.strip()}")
    return done


def test_a_read_only_token_cache_keeps_the_valid_token_and_spends_no_refresh_token(
    idc: FakeIdentityCenter, login: Callable[..., dict], aws_home: Path
) -> None:
    seeded = login(expiresAt=in_minutes(10))
    done = run_with_read_only(token_path(aws_home, "corp").parent, *IF_NEEDED)
    assert done.returncode == 0, done.stderr
    assert "the cache cannot be written" in done.stderr
    assert "botocore-sso: warning: could not refresh the login (see the warning above)" in done.stderr
    assert requests(idc) == {}, "the shared refresh token is not spent on a result that cannot be kept"
    assert idc.refresh_token_is_valid(seeded["refreshToken"])
    assert stored_token(aws_home) == seeded
