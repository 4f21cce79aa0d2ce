"""Fixtures of the ``botocore-sso`` command tests (the command itself: ``tests.conftest.botocore_sso``)."""

from __future__ import annotations

from typing import Any

import pytest

from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import SSO_CONFIG


@pytest.fixture
def logged_in(idc: FakeIdentityCenter, seed_login: Any, write_config: Any) -> FakeIdentityCenter:
    """The `dev` profile (sso-session corp) with a fresh login and no cached role credentials."""
    write_config(SSO_CONFIG)
    seed_login()
    return idc
