"""The CLI v2 timestamp format, written exactly and read leniently."""

from __future__ import annotations

import datetime

import pytest
from dateutil.tz import tzutc

from botocore_sso_provider.rules.clock import format_timestamp, from_epoch_millis, parse_timestamp

pytestmark = pytest.mark.unit

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


@pytest.mark.parametrize(
    "text", ["2026-11-23T10:00:00Z", "1999-12-31T23:59:59Z", "2024-02-29T00:00:00Z", "9999-12-31T23:59:59Z"]
)
def test_the_cli_format_reads_exactly_as_dateutil_reads_it(text: str) -> None:
    import dateutil.parser

    fast = parse_timestamp(text)
    assert fast == dateutil.parser.parse(text)
    assert fast.utcoffset() == datetime.timedelta(0)
    assert isinstance(fast.tzinfo, tzutc)


@pytest.mark.parametrize("text", ["2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-11-23T25:00:00Z"])
def test_an_impossible_date_in_the_cli_format_is_still_an_error(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - dateutil's wording differs between its releases
        parse_timestamp(text)
