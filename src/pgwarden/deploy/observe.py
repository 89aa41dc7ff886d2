"""One look at a deployment: the registry and migrations (read-only), the Bot API, the logs, the webhook.

Every failure to look becomes a sentence in the ``Observation`` (``judge`` turns it into an unmet
criterion), so a database still restarting or a Bot API hiccup is retried until the deadline
instead of ending the verification.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from ..checks.instances import read_status
from ..db import read_only
from ..doctor.reader import LogSource
from ..doctor.telegram_api import TelegramUnreachable, probe
from ..doctor.telegram_settings import TelegramSettings
from ..errors import DatabaseUnreachable
from ..findings import Severity
from .criteria import Observation, deployed_at
from .synthetic import post_update

__all__ = ["Target", "observe"]


@dataclass(frozen=True)
class Target:
    """What to verify: where to look and what to expect."""

    url: str
    name: str
    connect_timeout: float = 5.0
    expected_version: str | None = None
    migrations: Path | None = None
    telegram: TelegramSettings | None = None
    log_sources: Sequence[LogSource] = ()
    quiet_for: float = 0.0
    synthetic: bool = False


def observe(target: Target) -> Observation:
    obs = Observation(
        now=time.time(),
        name=target.name,
        expected_version=target.expected_version,
        migrations_configured=target.migrations is not None,
        logs_configured=bool(target.log_sources),
        quiet_for=target.quiet_for,
    )
    obs = _database(obs, target)
    if target.telegram is not None:
        obs = replace(obs, token_env=target.telegram.token_env)
        if target.telegram.token:
            obs = _telegram(obs, target.telegram)
    if target.log_sources:
        obs = _logs(obs, target.log_sources)
    if target.synthetic:
        obs = replace(obs, synthetic=_synthetic(target.telegram))
    return obs


def _database(obs: Observation, target: Target) -> Observation:
    try:
        with read_only(target.url, timeout=target.connect_timeout) as conn:
            status = read_status(conn, name=target.name)
            pending: list[str] = []
            unknown: list[str] = []
            if target.migrations is not None:
                from ..migrate.sources import open_source  # Alembic, pglast: only with migrations

                position = open_source(target.migrations).position(conn)
                pending = [f"{m.id} ({m.name})" for m in position.pending]
                unknown = list(position.unknown)
    except DatabaseUnreachable as exc:  # a folder that cannot be read is a usage error: it propagates
        return replace(obs, database_error=str(exc), database_unreachable=True)
    return replace(
        obs, registered=status.registered, instances=status.instances, pending=pending, unknown=unknown
    )


def _telegram(obs: Observation, settings: TelegramSettings) -> Observation:
    assert settings.token is not None
    obs = replace(
        obs,
        telegram_configured=True,
        mode=settings.mode,
        expected_username=settings.username,
        expected_webhook=settings.webhook_url,
    )
    try:
        answered = probe(settings.api_base, settings.token, timeout=settings.timeout, host=settings.api_host)
    except TelegramUnreachable as exc:
        return replace(obs, telegram_error=str(exc))
    error = answered.me_error or answered.webhook_error
    said = f"Telegram answered {error.code}: {error.description}" if error else None
    if error is not None and error.code == 401:
        said = "Telegram rejects the bot token (401 Unauthorized): revoked or wrong"
    return replace(obs, me=answered.me, webhook=answered.webhook, me_error=said)


def _logs(obs: Observation, sources: Sequence[LogSource]) -> Observation:
    from ..doctor.logs import analyze  # the matcher (and hyperscan): only with logs to read

    start = deployed_at(obs)
    since = datetime.fromtimestamp(start if start is not None else obs.now, timezone.utc)
    report = analyze(sources, since=since)  # an unreadable log is a usage error (exit 2), not retried
    errors = [
        (i.signature.id, i.tally.count, i.signature.title)
        for i in report.incidents
        if i.signature.severity is Severity.ERROR
    ]
    return replace(obs, log_errors=errors)


def _synthetic(settings: TelegramSettings | None) -> tuple[int | None, str]:
    if settings is None or not settings.webhook_url:
        return None, "no webhook URL: set [telegram] webhook_url or --webhook-url."
    return post_update(settings.webhook_url, settings.secret_token, timeout=settings.timeout)
