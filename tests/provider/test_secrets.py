"""Tokens, client secrets and keys never show in reprs or in this package's logs."""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Callable

import botocore.session
import pytest

from botocore_sso_provider.login import DeviceCodeLogin, Registration
from botocore_sso_provider.provider.config import resolve_session
from botocore_sso_provider.rules.records import token_record
from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import SSO_CONFIG, FakeClock, clocked_session

pytestmark = pytest.mark.functional


def test_token_repr_hides_every_secret() -> None:
    token = token_record(
        {
            "accessToken": "AT-SECRET",
            "refreshToken": "RT-SECRET",
            "clientSecret": "CS-SECRET",
            "clientId": "id",
            "expiresAt": "2026-11-23T10:00:00Z",
        }
    )
    text = repr(token) + str(token)
    assert "SECRET" not in text
    assert "2026-11-23T10:00:00Z" in text


def test_registration_repr_hides_the_client_secret() -> None:
    assert "CS-SECRET" not in repr(Registration("id", "CS-SECRET", "2027-01-01T00:00:00Z"))


def test_a_login_and_a_refresh_log_no_secret_even_at_debug(
    idc: FakeIdentityCenter,
    write_config: Callable[[str], Path],
    caplog: pytest.LogCaptureFixture,
) -> None:
    write_config(SSO_CONFIG)
    caplog.set_level(logging.DEBUG)
    session = botocore.session.Session()
    token = DeviceCodeLogin(
        resolve_session(session.full_config, "corp"),
        session,
        out=io.StringIO(),
        open_browser=False,
        sleep=lambda _: None,
    ).run()
    clock = FakeClock()
    clock.advance(minutes=50)  # inside the refresh window: a refresh happens too
    clocked_session("dev", clock).get_credentials().get_frozen_credentials()
    assert idc.grant_counts()["refresh_token"] == 1
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("botocore_sso_provider"))
    for secret in (token.access_token, token.refresh_token, token.data["clientSecret"]):
        assert secret and secret not in ours
