"""Helpers for the ``botocore-sso`` command tests: the installed command run in a new process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

from botocore_sso_provider.provider.config import resolve_profile
from botocore_sso_provider.testing import FakeIdentityCenter
from tests.conftest import in_minutes

_SCRIPT = Path(sys.executable).with_name("botocore-sso")
COMMAND: List[str] = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "botocore_sso_provider"]
"""This environment's ``botocore-sso``: the console script when installed, else the module."""


def botocore_sso(
    *args: str, env: Optional[Dict[str, str]] = None, timeout: float = 120, input: Optional[str] = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMMAND, *args],
        capture_output=True,
        text=True,
        env=dict(os.environ if env is None else env),
        timeout=timeout,
        check=False,
        input=input,
    )


def role_cache_file(home: Path, profile: str = "dev") -> Path:
    """Where the provider keeps ``profile``'s role credentials (computed by the provider's own code)."""
    import botocore.configloader

    config = resolve_profile(botocore.configloader.load_config(str(home / ".aws" / "config")), profile)
    assert config is not None
    return home / ".aws" / "cli" / "cache" / f"{config.role_cache_key}.json"


def write_role_credentials(home: Path, profile: str = "dev", *, minutes: float = 60, **fields: Any) -> dict:
    """A role cache file as the provider writes it, expiring in ``minutes``."""
    credentials = {
        "AccessKeyId": "ASIACACHED",
        "SecretAccessKey": "cached-secret",
        "SessionToken": "cached-session-token",
        "Expiration": in_minutes(minutes),
        "AccountId": "111111111111",
        **fields,
    }
    path = role_cache_file(home, profile)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"ProviderType": "sso", "Credentials": credentials}))
    path.chmod(0o600)
    return credentials


@pytest.fixture
def logged_in(idc: FakeIdentityCenter, seed_login: Any, write_config: Any) -> FakeIdentityCenter:
    """The `dev` profile (sso-session corp) with a fresh login and no cached role credentials."""
    from tests.conftest import SSO_CONFIG

    write_config(SSO_CONFIG)
    seed_login()
    return idc


@pytest.fixture
def moto_url() -> Iterator[str]:
    """moto's AWS server on loopback, for the AWS calls made with the credentials."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()
