"""Fixtures of the provider tests."""

from __future__ import annotations

from typing import Iterator

import pytest


@pytest.fixture
def clean_hook_state() -> Iterator[None]:
    """Forget entry points read by earlier tests, before and after."""
    from botocore_sso_provider.provider import entry_points

    entry_points._forget_entry_points()
    yield
    entry_points._forget_entry_points()
