"""A herd meets a token lock it cannot take: every process resolves, nobody refreshes unlocked.

`sudo -E aws ...` leaves a root-owned `<key>.lock` behind. We run as root
here, so the stranger's lock is chown-ed to uid 65534: the check is on the
owner, which is what a non-root user would meet as a PermissionError.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Callable

from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import ROLES, seed_token, stored_token, token_path
from tests.herds import Workers

HERD_SIZE = 8


def test_a_herd_behind_another_users_lock_keeps_the_login_and_names_the_fix(
    make_idc: Callable[..., FakeIdentityCenter],
    herd_config: Path,
    aws_home: Path,
    workers: Workers,
) -> None:
    idc = make_idc(rotate_refresh_tokens=True, reuse_detection=True)
    seeded = seed_token(idc, aws_home, minutes=5)
    lock = token_path(aws_home, "corp").with_suffix(".lock")
    lock.touch()
    os.chown(lock, 65534, 65534)
    before = token_path(aws_home, "corp").read_text()
    profiles = itertools.islice(itertools.cycle(ROLES), HERD_SIZE)
    reports = workers.herd([["resolve", "--profile", profile, "--debug-log"] for profile in profiles])
    results = [result for report in reports for result in report["results"]]
    assert [r for r in results if not r["ok"]] == []
    assert len(results) == HERD_SIZE
    assert idc.request_counts()["CreateToken"] == 0, "no refresh without the lock"
    assert token_path(aws_home, "corp").read_text() == before
    assert stored_token(aws_home)["refreshToken"] == seeded["refreshToken"]
    assert idc.refresh_token_is_valid(seeded["refreshToken"]), "the login is intact"
    assert all("Traceback" not in report["stderr"] for report in reports)
    # The processes that fetched a role's credentials needed the token and met the lock;
    # the others were served from the role cache those wrote.
    warned = [report["stderr"] for report in reports if str(lock) in report["stderr"]]
    assert warned, [report["stderr"] for report in reports]
    assert all("sudo chown" in text for text in warned)
