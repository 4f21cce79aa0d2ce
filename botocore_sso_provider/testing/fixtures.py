"""pytest fixtures for the fake Identity Center.

Opt in from a test module or the root ``conftest.py``::

    pytest_plugins = ["botocore_sso_provider.testing.fixtures"]
"""

from __future__ import annotations

from typing import Iterator

import pytest

from .server import FakeIdentityCenter


@pytest.fixture
def fake_identity_center() -> Iterator[FakeIdentityCenter]:
    """A started fake Identity Center with the default directory; stopped after the test."""
    with FakeIdentityCenter() as idc:
        yield idc


@pytest.fixture
def fake_identity_center_env(
    fake_identity_center: FakeIdentityCenter, monkeypatch: pytest.MonkeyPatch
) -> FakeIdentityCenter:
    """The started fake, with ``AWS_ENDPOINT_URL_SSO(_OIDC)`` pointing botocore at it."""
    for name, value in fake_identity_center.environ().items():
        monkeypatch.setenv(name, value)
    return fake_identity_center
