"""The prompt line's own timestamp reader agrees with the package's clock module."""

from __future__ import annotations

import pytest

from botocore_sso_provider.cli.status import parse_time
from botocore_sso_provider.rules.clock import parse_timestamp

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "text",
    ["2026-11-23T10:00:00Z", "2026-02-28T23:59:59Z", "2026-11-23T10:00:00+00:00", "2026-11-23 10:00:00 UTC"],
)
def test_every_spelling_the_cli_accepts_reads_the_same(text: str) -> None:
    assert parse_time(text) == parse_timestamp(text)


@pytest.mark.parametrize("text", ["", None, 5, "2026-13-01T00:00:00Z", "not a time"])
def test_nonsense_is_none(text: object) -> None:
    assert parse_time(text) is None
