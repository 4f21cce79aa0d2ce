"""The one timestamp codec: the CLI v2 format written exactly, a few spellings read strictly."""

from __future__ import annotations

import datetime

import pytest

from botocore_sso_provider.rules.timestamps import format_timestamp, from_epoch_millis, parse_timestamp

pytestmark = pytest.mark.unit

MOMENT = datetime.datetime(2026, 11, 23, 10, 0, 0, tzinfo=datetime.timezone.utc)


def test_format_is_exactly_the_cli_v2_format() -> None:
    assert format_timestamp(MOMENT) == "2026-11-23T10:00:00Z"


def test_format_converts_other_zones_to_utc() -> None:
    plus_two = datetime.timezone(datetime.timedelta(hours=2))
    assert format_timestamp(MOMENT.astimezone(plus_two)) == "2026-11-23T10:00:00Z"


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-23T10:00:00Z",
        "2026-11-23T10:00:00+00:00",
        "2026-11-23T12:00:00+02:00",
        "2026-11-23T05:00:00-0500",
        "2026-11-23T10:00:00UTC",
        "2026-11-23 10:00:00 UTC",
        "2026-11-23T10:00:00",
        "2026-11-23T10:00:00.000Z",
    ],
    ids=["Z", "offset", "plus-two", "minus-five", "UTC-suffix", "space", "naive", "fraction"],
)
def test_parse_accepts_what_the_cli_and_botocore_write(text: str) -> None:
    assert parse_timestamp(text) == MOMENT


def test_epoch_milliseconds_become_utc() -> None:
    assert from_epoch_millis(int(MOMENT.timestamp() * 1000)) == MOMENT


@pytest.mark.parametrize("value", [1.5e12, "1763892000000", True, None, 10**20])
def test_anything_but_whole_epoch_milliseconds_is_no_expiration(value: object) -> None:
    assert from_epoch_millis(value) is None


@pytest.mark.parametrize(
    "text", ["2026-11-23T10:00:00Z", "1999-12-31T23:59:59Z", "2024-02-29T00:00:00Z", "9999-12-31T23:59:59Z"]
)
def test_the_cli_format_reads_exactly_as_dateutil_reads_it(text: str) -> None:
    import dateutil.parser

    fast = parse_timestamp(text)
    assert fast == dateutil.parser.parse(text)
    assert fast is not None and fast.utcoffset() == datetime.timedelta(0)


@pytest.mark.parametrize(
    "value",
    [
        "2026-13-01T00:00:00Z",
        "2026-02-30T00:00:00Z",
        "2026-11-23T25:00:00Z",
        "",
        "tomorrow",
        "2026-11-23",
        "Nov 23 2026 10:00",
        "2026-11-23T10:00:00Z trailing",
        1763892000,
        None,
        ["2026-11-23T10:00:00Z"],
    ],
)
def test_anything_else_is_not_a_timestamp(value: object) -> None:
    assert parse_timestamp(value) is None
