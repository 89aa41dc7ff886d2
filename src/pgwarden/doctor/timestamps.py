"""Timestamps in log lines (ISO 8601, Python logging, syslog/journald, docker) and ``--since`` values."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import BadSince, BadZone

__all__ = ["line_time", "parse_since", "parse_zone", "local_zone"]

_ISO = re.compile(
    rb"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?(?: ?(Z|UTC|GMT|[+-]\d\d:?\d\d)(?!\d))?"
)
_SYSLOG = re.compile(
    rb"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +(\d{1,2}) (\d\d):(\d\d):(\d\d)\b"
)
_MONTHS = {m: i for i, m in enumerate(b"Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}
_HEAD = 96
"""Only the start of a line is searched: a timestamp further in is part of the message."""


def local_zone() -> tzinfo:
    zone = datetime.now().astimezone().tzinfo
    return zone if zone is not None else timezone.utc


def _zone(raw: bytes | None, local: tzinfo) -> tzinfo:
    if raw is None:
        return local
    if raw in (b"Z", b"UTC", b"GMT"):
        return timezone.utc
    sign = -1 if raw[:1] == b"-" else 1
    digits = raw[1:].replace(b":", b"")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4])))


def line_time(line: bytes, *, now: datetime, local: tzinfo) -> datetime | None:
    """The first timestamp near the start of ``line`` as an aware datetime, else ``None``.

    Times without a zone are taken as local time; syslog times (no year) as the most
    recent such moment not after ``now``.
    """
    head = line[:_HEAD]
    iso = _ISO.match(head) or _ISO.search(head)
    syslog = _SYSLOG.search(head) if iso is None or iso.start() > 0 else None
    try:
        if syslog is not None and (iso is None or syslog.start() < iso.start()):
            month, day = _MONTHS[syslog.group(1)], int(syslog.group(2))
            hh, mm, ss = (int(syslog.group(i)) for i in (3, 4, 5))
            when = datetime(now.year, month, day, hh, mm, ss, tzinfo=local)
            if when > now + timedelta(days=2):
                when = when.replace(year=now.year - 1)
            return when
        if iso is not None:
            year, month, day, hh, mm, ss = (int(iso.group(i)) for i in range(1, 7))
            frac = iso.group(7)
            micro = int(frac[:6].ljust(6, b"0")) if frac else 0
            return datetime(year, month, day, hh, mm, ss, micro, tzinfo=_zone(iso.group(8), local))
    except ValueError:  # 2026-13-45: looks like a time, is not one
        return None
    return None


_RELATIVE = re.compile(
    r"(\d+)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?|d|days?|w|weeks?)(\s+ago)?", re.IGNORECASE
)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_since(text: str, *, now: datetime | None = None) -> datetime:
    """``2026-11-22``, ``2026-11-22 10:00``, ISO 8601, ``10:00`` (today), ``2h``, ``30 min ago``,
    ``today``, ``yesterday`` -> an aware datetime; anything else raises ``BadSince``."""
    now = now or datetime.now().astimezone()
    value = text.strip()
    low = value.lower()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if low == "today":
        return midnight
    if low == "yesterday":
        return midnight - timedelta(days=1)
    if low == "now":
        return now
    rel = _RELATIVE.fullmatch(value)
    if rel:
        unit = rel.group(2).lower()
        key = "m" if unit.startswith("min") or unit == "m" else unit[0]
        return now - timedelta(seconds=int(rel.group(1)) * _UNIT_SECONDS[key])
    if re.fullmatch(r"\d\d:\d\d(:\d\d)?", value):
        parts = [int(p) for p in value.split(":")] + [0]
        try:
            return midnight.replace(hour=parts[0], minute=parts[1], second=parts[2])
        except ValueError:
            pass
    else:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=now.tzinfo)
    raise BadSince(
        f"--since {text!r} is not a time pgwarden understands: use a date or time such as "
        "2026-11-22, '2026-11-22 10:00', 10:00, or a relative one such as 2h, '30 min ago', yesterday."
    )


_OFFSET = re.compile(r"(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d\d))?")


def parse_zone(text: str) -> tzinfo:
    """``UTC``, ``Europe/Moscow``, ``+03:00`` or ``UTC+3`` -> a zone; anything else raises ``BadZone``."""
    value = text.strip()
    if value.upper() in ("UTC", "Z", "GMT"):
        return timezone.utc
    offset = _OFFSET.fullmatch(value.upper())
    if offset:
        hours, minutes = int(offset.group(2)), int(offset.group(3) or 0)
        if hours < 24 and minutes < 60:
            sign = -1 if offset.group(1) == "-" else 1
            return timezone(sign * timedelta(hours=hours, minutes=minutes))
    else:
        try:
            return ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    raise BadZone(
        f"--tz {text!r} is not a time zone pgwarden knows: use a name such as Europe/Moscow or UTC, "
        "or an offset such as +03:00."
    )
