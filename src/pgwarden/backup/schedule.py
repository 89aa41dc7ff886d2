"""``backup.schedule`` ("daily 02:30", "every 6h") and durations ("26h"): parsing and the next run time."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

__all__ = ["Schedule", "next_run", "parse_duration", "parse_schedule"]

_UNITS = {
    "s": 1,
    "sec": 1,
    "m": 60,
    "min": 60,
    "h": 3600,
    "d": 86400,
    "w": 604800,
}
_DURATION = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(s|sec|m|min|h|d|w)?\s*", re.IGNORECASE)
_DAILY = re.compile(r"\s*daily\s+([0-9]{1,2}):([0-9]{2})\s*(?:utc)?\s*", re.IGNORECASE)
_EVERY = re.compile(r"\s*every\s+(.+)", re.IGNORECASE)


def parse_duration(text: str | float) -> float:
    """Seconds in ``"90s"``, ``"30min"``, ``"6h"``, ``"2d"``, ``"1w"`` or a bare number of seconds.

    Raises ``ValueError`` with a sentence saying what is accepted.
    """
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        seconds = float(text)
    else:
        match = _DURATION.fullmatch(str(text))
        if not match:
            raise ValueError(f"{text!r} is not a duration such as '90s', '30min', '6h' or '2d'")
        seconds = float(match.group(1)) * _UNITS[(match.group(2) or "s").lower()]
    if seconds <= 0:
        raise ValueError(f"{text!r} must be longer than zero")
    return seconds


@dataclass(frozen=True)
class Schedule:
    """Either every ``interval`` seconds, or once a day at ``at`` (UTC)."""

    text: str
    interval: float | None = None
    at: time | None = None


def parse_schedule(text: str) -> Schedule:
    """``"daily 02:30"`` (UTC) or ``"every 6h"``; ``ValueError`` naming the accepted forms."""
    daily = _DAILY.fullmatch(text)
    if daily:
        hour, minute = int(daily.group(1)), int(daily.group(2))
        if hour > 23 or minute > 59:
            raise ValueError(f"{text!r}: {hour:02d}:{minute:02d} is not a time of day")
        return Schedule(text=text.strip(), at=time(hour, minute, tzinfo=timezone.utc))
    every = _EVERY.fullmatch(text)
    if every:
        try:
            seconds = parse_duration(every.group(1))
        except ValueError:
            seconds = 0.0
        if seconds >= 60:
            return Schedule(text=text.strip(), interval=seconds)
    raise ValueError(
        f"{text!r} is not a schedule: write 'daily HH:MM' (UTC) or 'every <duration>' "
        "of at least a minute, such as 'every 6h'"
    )


def next_run(schedule: Schedule, now: datetime, last: datetime | None = None) -> datetime:
    """When the next run is due (``now`` when one is overdue); ``last`` is when the last run started.

    A daily run missed while nothing was running (``last`` before today's slot, which has
    passed) is due at once rather than tomorrow.
    """
    now = _utc(now)
    last = _utc(last) if last is not None else None
    if schedule.interval is not None:
        if last is None:
            return now
        return max(now, last + timedelta(seconds=schedule.interval))
    assert schedule.at is not None
    slot = datetime.combine(now.date(), schedule.at)
    previous = slot if slot <= now else slot - timedelta(days=1)
    if last is not None and last < previous:
        return now
    return previous + timedelta(days=1)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)
