"""Logs for looking at the doctor's HTML page: a busy week (with a stray old line), a clean log, a huge report."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from pgwarden.doctor import signature_catalog as catalog
from pgwarden.doctor.report import Group, Incident, LogReport
from pgwarden.doctor.scan import Tally

_MESSAGES = (
    (
        "ERROR - Failed to fetch updates - TelegramConflictError: Telegram server says - Conflict: "
        "terminated by other getUpdates request; make sure that only one bot instance is running",
        30,
    ),
    (
        "ERROR - Ошибка поиска неактивных пользователей: (sqlalchemy.dialects.postgresql.asyncpg."
        "ProgrammingError) <class 'asyncpg.exceptions.UndefinedColumnError'>: column "
        "conversations.started_at does not exist",
        25,
    ),
    ("WARNING - /app/bot.py:12: RuntimeWarning: coroutine 'send_digest' was never awaited", 15),
    (
        "INFO - aiogram.exceptions.TelegramBadRequest: Telegram server says - Bad Request: message is not "
        "modified: specified new message content and reply markup are exactly the same",
        20,
    ),
    ("ERROR - payment 12 failed for user 77 <script>alert(1)</script>", 10),
)
OUTLIER = (
    "2019-03-04 10:00:00,000 - app - ERROR - Failed to fetch updates - TelegramConflictError: "
    "Conflict: terminated by other getUpdates request"
)


def week_log(*, outlier: bool = True, seed: int = 7) -> str:
    """A week of a bot's log, one line every ten minutes or so, busiest on its first day."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 16)
    lines = [OUTLIER] if outlier else []
    texts = [m for m, _ in _MESSAGES]
    weights = [w for _, w in _MESSAGES]
    for i in range(7 * 24 * 6):
        if 60 < i < 200 or rng.random() < 0.4:
            when = start + timedelta(minutes=10 * i)
            lines.append(f"{when:%Y-%m-%d %H:%M:%S},123 - app - {rng.choices(texts, weights)[0]}")
    return "\n".join(lines) + "\n"


def clean_log() -> str:
    return "".join(f"2026-11-22 10:{m:02d}:00,000 - app - INFO - handled update {m}\n" for m in range(60))


def huge_report(*, bytes_read: int = 200_000_000) -> LogReport:
    """What a year of a very noisy service adds up to: every signature, every hour, big counts.

    Built from counts rather than by scanning a file of that size: the page depends on the
    report, not on the bytes behind it.
    """
    rng = random.Random(3)
    start = int(datetime(2025, 11, 1, tzinfo=timezone.utc).timestamp()) // 3600
    incidents = []
    for sig in catalog.load():
        hours = {start + h: rng.randint(1, 400) for h in range(0, 365 * 24, rng.randint(1, 5))}
        tally = Tally(
            count=sum(hours.values()),
            first_seen=datetime.fromtimestamp(min(hours) * 3600, timezone.utc),
            last_seen=datetime.fromtimestamp(max(hours) * 3600, timezone.utc),
            examples=[sig.examples[0] * 3],
            hours=hours,
        )
        incidents.append(Incident(sig, tally))
    incidents.sort(key=lambda i: (i.signature.severity.rank, -i.tally.count))
    groups = [
        Group(f"<*> <*> - app.worker{i} - ERROR - job <*> failed: {'x' * 300}", 10_000 - i, "", None, None)
        for i in range(50)
    ]
    return LogReport(
        incidents=incidents,
        unclassified=groups,
        sources=["/var/log/bot/bot.log"],
        bytes_read=bytes_read,
        events=sum(i.tally.count for i in incidents),
        before_since=0,
        more_groups=950,
    )
