"""The CLI v2 timestamp format, written exactly and read leniently."""

from __future__ import annotations

import datetime

import pytest
from dateutil.tz import tzutc

from botocore_sso_provider.clock import format_timestamp, from_epoch_millis, parse_timestamp

MOMENT = datetime.datetime(2026, 11, 23, 10, 0, 0, tzinfo=tzutc())


def test_format_is_exactly_the_cli_v2_format() -> None:
    assert format_timestamp(MOMENT) == "2026-11-23T10:00:00Z"


def test_format_converts_other_zones_to_utc() -> None:
    plus_two = datetime.timezone(datetime.timedelta(hours=2))
    assert format_timestamp(MOMENT.astimezone(plus_two)) == "2026-11-23T10:00:00Z"


@pytest.mark.parametrize(
    "text",
    ["2026-11-23T10:00:00Z", "2026-11-23T10:00:00+00:00", "2026-11-23T10:00:00UTC", "2026-11-23T10:00:00"],
    ids=["Z", "offset", "UTC-suffix", "naive"],
)
def test_parse_accepts_what_the_cli_accepts(text: str) -> None:
    assert parse_timestamp(text) == MOMENT


def test_epoch_milliseconds_become_utc() -> None:
    assert from_epoch_millis(MOMENT.timestamp() * 1000) == MOMENT
