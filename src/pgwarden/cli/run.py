"""``pgwarden run -- CMD ARGS...``: run a command only while this instance holds the lease."""

from __future__ import annotations

import asyncio
import logging
import os
from typing import IO

import click

from ..doctor.telegram_settings import TelegramSettings
from ..redact import RedactingFilter
from ..runtime.settings import RuntimeSettings
from ..runtime.supervisor import Supervisor, resolve_command
from ..runtime.warden import Warden, alert_settings
from ..runtime.webhook_mode import WebhookMode, watch_polling_conflict
from ._state import State, db_option


@click.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.option(
    "--name", help="Lease name: instances with the same name elect one active (default: `name` in config)."
)
@db_option
@click.option(
    "--takeover-delay", type=float, metavar="S", help="Seconds to wait after a takeover before starting."
)
@click.option(
    "--telegram",
    is_flag=True,
    default=None,
    help="Telegram bot preset: the takeover delay outlasts getUpdates' long poll, so no 409 Conflict happens.",
)
@click.option(
    "--webhook-url",
    metavar="URL",
    help="Webhook mode (else `telegram.mode`): the command serves URL on every instance; the active one sets it.",
)
@click.option("--ttl", type=float, metavar="S", help="Lease lifetime in seconds (default 10).")
@click.option("--check-interval", type=float, metavar="S", help="Seconds between checks (default 1).")
@click.option("--grace", type=float, metavar="S", help="Seconds between SIGTERM and SIGKILL (default 10).")
@click.option("--health-port", type=int, metavar="PORT", help="Serve /health/live, /health/ready, /metrics.")
@click.option(
    "--accept-database",
    is_flag=True,
    help="Accept the database as it is now (after a deliberate restore or move): re-pin its identity.",
)
@click.argument("command", nargs=-1, type=click.UNPROCESSED, required=True)
@click.pass_obj
def run(
    state: State,
    name: str | None,
    database_url: str | None,
    takeover_delay: float | None,
    telegram: bool | None,
    webhook_url: str | None,
    ttl: float | None,
    check_interval: float | None,
    grace: float | None,
    health_port: int | None,
    accept_database: bool,
    command: tuple[str, ...],
) -> int:
    """Run COMMAND only while this instance is the active one (one per --name across hosts).

    Before becoming active the schema gate must pass (migrations at head, contract check clean)
    and the database must still be the one pinned at first start. Standby instances wait and
    say so. When COMMAND exits, the lease is released and pgwarden exits with its status;
    COMMAND never outlives pgwarden. Example: pgwarden run --telegram -- python bot.py

    Webhook bots (`[telegram] mode = "webhook"` or --webhook-url): COMMAND runs on every ready
    instance and serves the webhook; the active instance calls setWebhook (docs/runtime.md).
    """
    argv = resolve_command(command)
    cfg = state.config(database_url=database_url)
    settings = RuntimeSettings.for_guardian(
        cfg,
        name=name,
        takeover_delay=takeover_delay,
        telegram=telegram,
        ttl=ttl,
        check_interval=check_interval,
        grace=grace,
        health_port=health_port,
    )
    tg = TelegramSettings.from_config(cfg, mode="webhook" if webhook_url else None, webhook_url=webhook_url)
    webhook = WebhookMode.from_telegram(tg) if tg.mode == "webhook" else None  # checked before any connection
    url = cfg.direct_db_url()
    assert url is not None
    warden = Warden(url, settings, config=cfg, alerts=alert_settings(cfg), accept_database=accept_database)
    _log_to(state.err)
    return asyncio.run(_supervise(warden, argv, webhook, tg if settings.telegram else None))


async def _supervise(
    warden: Warden, argv: list[str], webhook: WebhookMode | None, polling_bot: TelegramSettings | None
) -> int:
    supervisor = Supervisor(
        warden, argv, webhook=webhook
    )  # its promotion callbacks before the first promotion
    if webhook is None and polling_bot is not None:
        watch_polling_conflict(polling_bot, warden)
    await warden.start()
    try:
        return await supervisor.run()
    finally:
        await warden.stop()


def _log_to(stream: IO[str]) -> None:
    logger = logging.getLogger("pgwarden.runtime")
    if any(getattr(h, "_pgwarden_run", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(f"pgwarden[{os.getpid()}] %(asctime)s %(levelname)s %(message)s"))
    handler.addFilter(RedactingFilter())
    handler._pgwarden_run = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
