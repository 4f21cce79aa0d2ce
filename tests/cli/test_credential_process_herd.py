"""32 ``botocore-sso credential-process`` runs at once with the role credentials expired.

The token is inside the refresh window (5 minutes left) and the fake server
rotates refresh tokens: one CreateToken and one GetRoleCredentials must serve
every run, each of which prints the same credentials.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, List

from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import role_cache_file, seed_token, stored_token, write_role_credentials
from tests.herds import RUN_TIMEOUT, START_TIMEOUT

HERD = 32

# Each run waits at a pipe barrier with its imports done, then runs the command as the console script would.
CHILD = """
import os, sys
import botocore.session, botocore_sso_provider.provider.credentials  # before the barrier
from botocore_sso_provider.cli.main import main
print("ready", file=sys.stderr, flush=True)
os.read(int(sys.argv[1]), 1)
sys.exit(main(["credential-process", "--profile", "dev"]))
"""


def test_32_runs_with_expired_role_credentials_make_one_call(
    make_idc: Callable[..., FakeIdentityCenter], herd_config: Path, aws_home: Path
) -> None:
    idc = make_idc(rotate_refresh_tokens=True)
    seeded = seed_token(idc, aws_home, minutes=5)
    write_role_credentials(aws_home, minutes=-5)  # expired five minutes ago
    idc.reset_counts()
    read_end, write_end = os.pipe()
    runs: List[subprocess.Popen] = []
    try:
        for _ in range(HERD):
            runs.append(
                subprocess.Popen(
                    [sys.executable, "-c", CHILD, str(read_end)],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    stdin=subprocess.DEVNULL,
                    text=True,
                    pass_fds=[read_end],
                )
            )
        deadline = time.monotonic() + START_TIMEOUT
        for run in runs:
            assert run.stderr is not None
            assert run.stderr.readline() == "ready\n", "a run did not start"
            assert time.monotonic() < deadline
    finally:
        os.close(read_end)
        os.close(write_end)  # the start signal: every blocked read returns at once
    documents = []
    for run in runs:
        out, err = run.communicate(timeout=RUN_TIMEOUT)
        assert run.returncode == 0, err
        documents.append(json.loads(out))
    assert idc.request_counts()["GetRoleCredentials"] == 1
    assert idc.request_counts().get("CreateToken", 0) <= 1
    assert len({document["AccessKeyId"] for document in documents}) == 1
    cached = json.loads(role_cache_file(aws_home).read_text())["Credentials"]
    assert documents[0]["AccessKeyId"] == cached["AccessKeyId"]
    stored = stored_token(aws_home)
    assert idc.refresh_token_is_valid(stored["refreshToken"]), "the login survived the herd"
    assert stored["refreshToken"] != seeded["refreshToken"]
