"""``backup.schedule`` and durations: parsing, refusing nonsense, and when the next run is due."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from pgwarden.backup.schedule import next_run, parse_duration, parse_schedule

UTC = timezone.utc


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("30min", 1800),
        ("6h", 21600),
        ("2d", 172800),
        ("1w", 604800),
        ("45", 45),
        (" 1.5 h ", 5400),
    ],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "six hours", "6 hours", "-1h", "0s", "h"])
def test_bad_durations_say_what_is_accepted(text: str) -> None:
    with pytest.raises(ValueError, match="duration|longer than zero"):
        parse_duration(text)


def test_numbers_are_seconds() -> None:
    assert parse_duration(120) == 120.0
    with pytest.raises(ValueError):
        parse_duration(0)


def test_daily_runs_at_the_next_slot_and_catches_up_a_missed_one() -> None:
    schedule = parse_schedule("daily 02:30")
    assert schedule.at is not None and schedule.interval is None
    now = datetime(2025, 3, 1, 1, 0, tzinfo=UTC)
    last = datetime(2025, 2, 28, 2, 30, tzinfo=UTC)
    assert next_run(schedule, now, last) == datetime(2025, 3, 1, 2, 30, tzinfo=UTC)
    later = datetime(2025, 3, 1, 3, 0, tzinfo=UTC)
    # today's 02:30 passed without a run: due now
    assert next_run(schedule, later, last) == later
    # it ran at 02:30 today: tomorrow
    assert next_run(schedule, later, datetime(2025, 3, 1, 2, 30, 5, tzinfo=UTC)) == datetime(
        2025, 3, 2, 2, 30, tzinfo=UTC
    )
    assert next_run(schedule, now) == datetime(2025, 3, 1, 2, 30, tzinfo=UTC)


def test_every_interval_counts_from_the_last_run() -> None:
    schedule = parse_schedule("every 6h")
    assert schedule.interval == 6 * 3600
    now = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    assert next_run(schedule, now) == now
    assert next_run(schedule, now, now - timedelta(hours=1)) == now + timedelta(hours=5)
    assert next_run(schedule, now, now - timedelta(hours=7)) == now


def test_naive_times_are_utc() -> None:
    schedule = parse_schedule("DAILY 23:59 UTC")
    naive = datetime(2025, 3, 1, 0, 0)
    assert next_run(schedule, naive) == datetime(2025, 3, 1, 23, 59, tzinfo=UTC)


@pytest.mark.parametrize(
    "text", ["daily", "daily 24:00", "daily 12:60", "every 10s", "every day", "0 2 * * *", "weekly"]
)
def test_bad_schedules_name_the_accepted_forms(text: str) -> None:
    with pytest.raises(ValueError, match="daily HH:MM|not a time of day"):
        parse_schedule(text)
