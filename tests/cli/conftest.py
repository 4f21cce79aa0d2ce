"""Fixtures of the ``botocore-sso`` command tests (the command itself: ``tests.conftest.botocore_sso``)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any, Callable, Iterator, List

import pytest

from botocore_sso_provider.testing import FakeIdentityCenter
from tests.cli.test_serve import Served
from tests.conftest import COMMAND, HERD_CONFIG, SSO_CONFIG


@pytest.fixture
def logged_in(idc: FakeIdentityCenter, seed_login: Any, write_config: Any) -> FakeIdentityCenter:
    """The `dev` profile (sso-session corp) with a fresh login and no cached role credentials."""
    write_config(SSO_CONFIG)
    seed_login()
    return idc


@pytest.fixture
def serving(
    idc: FakeIdentityCenter, seed_login: Any, write_config: Callable[[str], Path]
) -> Iterator[Callable[..., Served]]:
    """``serving("--profile", "dev", ...)``: ``botocore-sso serve`` running, its sso-session logged in.

    The config is ``HERD_CONFIG``: profiles dev, dev-admin, prod and sandbox (``ROLES``).
    """
    write_config(HERD_CONFIG)
    seed_login()
    started: List[subprocess.Popen] = []

    def start(*args: str) -> Served:
        process = subprocess.Popen(
            [*COMMAND, "serve", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        started.append(process)
        served = Served(process)
        assert served.environment, f"serve did not start: {process.communicate(timeout=30)}"
        return served

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=10)
