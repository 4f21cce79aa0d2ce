"""A local clock that is off by hours neither loops refreshing nor hands out expired credentials."""

from __future__ import annotations

import datetime
import json
import logging
import time
from pathlib import Path
from typing import Callable

import pytest

from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import SSO_CONFIG, FakeClock, clocked_session, token_path

pytestmark = pytest.mark.functional


@pytest.mark.parametrize("server_offset_hours", [2, -2], ids=["server-ahead", "server-behind"])
def test_role_credentials_expiry_is_corrected_for_clock_skew(
    server_offset_hours: int,
    write_config: Callable[[str], Path],
    aws_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    write_config(SSO_CONFIG)
    offset = server_offset_hours * 3600
    with FakeIdentityCenter(clock=lambda: time.time() + offset) as idc:
        for name, value in idc.environ().items():
            monkeypatch.setenv(name, value)
        token = idc.issue_token(session_name="corp")
        # The token's expiry is written from the local clock (now + expiresIn), as the CLI does.
        local_expiry = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(
            seconds=token.pop("expiresIn")
        )
        token["expiresAt"] = local_expiry.strftime("%Y-%m-%dT%H:%M:%SZ")
        path = token_path(aws_home, "corp")
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(token))

        credentials = clocked_session("dev", FakeClock()).get_credentials()
        for _ in range(5):
            credentials.get_frozen_credentials()
        assert idc.request_counts()["GetRoleCredentials"] == 1, "no refresh loop"

    now = datetime.datetime.now(datetime.timezone.utc)
    # In this process, the expiry is on the local clock: about an hour away.
    assert datetime.timedelta(minutes=58) < credentials._expiry_time - now < datetime.timedelta(minutes=61)
    # The shared file keeps the portal's own (server) time, as the AWS CLI v2 writes it:
    # another process, whose clock may be right, is not misled by this one's correction.
    [cached] = (aws_home / ".aws" / "cli" / "cache").glob("*.json")
    expiration = datetime.datetime.strptime(
        json.loads(cached.read_text())["Credentials"]["Expiration"], "%Y-%m-%dT%H:%M:%SZ"
    ).replace(tzinfo=datetime.timezone.utc)
    server_left = expiration - (now + datetime.timedelta(seconds=offset))
    assert datetime.timedelta(minutes=58) < server_left < datetime.timedelta(minutes=61)
    skew_warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "clock" in r.getMessage()]
    assert len(skew_warnings) <= 1
