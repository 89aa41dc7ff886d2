"""``diagnose``: ask the Bot API about the bot and read the logs for Telegram incidents, as findings."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ..findings import Finding
from .reader import LogSource
from .telegram_api import Probe, probe
from .telegram_findings import evaluate, from_logs
from .telegram_settings import TelegramSettings

__all__ = ["Diagnosis", "diagnose"]


@dataclass(frozen=True)
class Diagnosis:
    findings: list[Finding]
    probe: Probe
    notes: list[str] = field(default_factory=list)


def diagnose(
    settings: TelegramSettings,
    *,
    sources: Sequence[LogSource] = (),
    since: datetime | None = None,
    recent_since: float | None = None,
) -> Diagnosis:
    """getMe and getWebhookInfo against ``settings`` and, with ``sources``, their Telegram incidents.

    Raises ``ConfigError`` without a token and ``TelegramUnreachable`` when the API host does not answer.
    """
    token = settings.require_token()
    answered = probe(settings.api_base, token, timeout=settings.timeout, host=settings.api_host)
    found = evaluate(answered, settings, now=time.time(), recent_since=recent_since)
    notes: list[str] = []
    if sources:
        from .logs import analyze  # the matcher (and hyperscan): only with logs to read

        report = analyze(sources, since=since)
        found += from_logs(report.incidents, settings)
        notes += report.notes
        notes.append(f"logs: {', '.join(report.sources)} ({report.events} event(s) read).")
    return Diagnosis(found, answered, notes)
