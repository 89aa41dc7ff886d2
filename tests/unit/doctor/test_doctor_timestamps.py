"""Timestamps of log lines and --since values."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from pgwarden.doctor.errors import BadSince, BadZone
from pgwarden.doctor.timestamps import line_time, parse_since, parse_zone

NOW = datetime(2026, 11, 22, 12, 0, 0, tzinfo=timezone.utc)
UTC = timezone.utc


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (b"2026-11-22 10:02:03,123 - app - ERROR - x", datetime(2026, 11, 22, 10, 2, 3, 123000, tzinfo=UTC)),
        (b"2026-11-22T10:02:03.123456789Z Traceback", datetime(2026, 11, 22, 10, 2, 3, 123456, tzinfo=UTC)),
        (b"2026-11-22T10:02:03+03:00 vps bot[1]: x", datetime(2026, 11, 22, 7, 2, 3, tzinfo=UTC)),
        (b"2026-11-22 10:02:03.123 UTC [27] ERROR:  x", datetime(2026, 11, 22, 10, 2, 3, 123000, tzinfo=UTC)),
        (b"Nov 22 10:02:03 vps systemd[1]: x", datetime(2026, 11, 22, 10, 2, 3, tzinfo=UTC)),
        (b"Dec 31 23:59:59 vps kernel: x", datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC)),
        (b"[2026-11-22 10:02:03,123] ERROR x", datetime(2026, 11, 22, 10, 2, 3, 123000, tzinfo=UTC)),
        (b"no time here", None),
        (b"2026-13-45 10:02:03 not a date", None),
    ],
)
def test_line_time(line: bytes, expected: datetime | None) -> None:
    assert line_time(line, now=NOW, local=UTC) == expected


def test_naive_times_are_local() -> None:
    plus3 = timezone(timedelta(hours=3))
    assert line_time(b"2026-11-22 10:00:00 x", now=NOW, local=plus3) == datetime(2026, 11, 22, 7, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2h", NOW - timedelta(hours=2)),
        ("30 min ago", NOW - timedelta(minutes=30)),
        ("1 hour ago", NOW - timedelta(hours=1)),
        ("2 days", NOW - timedelta(days=2)),
        ("today", datetime(2026, 11, 22, tzinfo=UTC)),
        ("yesterday", datetime(2026, 11, 21, tzinfo=UTC)),
        ("10:30", datetime(2026, 11, 22, 10, 30, tzinfo=UTC)),
        ("2026-11-20", datetime(2026, 11, 20, tzinfo=UTC)),
        ("2026-11-20 08:15", datetime(2026, 11, 20, 8, 15, tzinfo=UTC)),
        ("2026-11-20T08:15:00Z", datetime(2026, 11, 20, 8, 15, tzinfo=UTC)),
    ],
)
def test_parse_since(text: str, expected: datetime) -> None:
    assert parse_since(text, now=NOW) == expected


@pytest.mark.parametrize("text", ["soon", "25:99", "2026-02-30", "", "-1h"])
def test_bad_since_is_a_usage_error(text: str) -> None:
    with pytest.raises(BadSince, match="is not a time pgwarden understands"):
        parse_since(text, now=NOW)


@pytest.mark.parametrize(
    ("text", "offset_hours"),
    [("UTC", 0), ("z", 0), ("+03:00", 3), ("UTC+3", 3), ("-0930", -9.5), ("Europe/Moscow", 3)],
)
def test_zones_by_name_or_offset(text: str, offset_hours: float) -> None:
    at = datetime(2026, 11, 22, 10, tzinfo=timezone.utc)
    offset = parse_zone(text).utcoffset(at)
    assert offset is not None and offset.total_seconds() == offset_hours * 3600


@pytest.mark.parametrize("text", ["Mars/Base", "+25:00", "", "3"])
def test_not_a_zone(text: str) -> None:
    with pytest.raises(BadZone, match="is not a time zone"):
        parse_zone(text)
