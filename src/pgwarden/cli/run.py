"""``pgwarden run -- CMD ARGS...``: run a command only while this instance holds the lease."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import subprocess
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING

import click

from ._state import State, db_option

if TYPE_CHECKING:  # imported in `run` once the gate's process is on its way (`_gate_ahead`)
    from ..config import Config
    from ..doctor.telegram_settings import TelegramSettings
    from ..runtime.warden import Warden
    from ..runtime.webhook_mode import WebhookMode


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
    cfg = state.config(database_url=database_url)
    with _gate_ahead(cfg) as ahead:
        from ..doctor.telegram_settings import TelegramSettings
        from ..runtime.settings import RuntimeSettings
        from ..runtime.supervisor import resolve_command
        from ..runtime.warden import Warden, alert_settings
        from ..runtime.webhook_mode import WebhookMode

        argv = resolve_command(command)
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
        tg = TelegramSettings.from_config(
            cfg, mode="webhook" if webhook_url else None, webhook_url=webhook_url
        )
        # The webhook settings are checked before any connection.
        webhook = WebhookMode.from_telegram(tg) if tg.mode == "webhook" else None
        url = cfg.direct_db_url()
        assert url is not None
        warden = Warden(
            url, settings, config=cfg, alerts=alert_settings(cfg), accept_database=accept_database
        )
        warden.gate.prepare(ahead)
        _log_to(state.err)
        return asyncio.run(_supervise(warden, argv, webhook, tg if settings.telegram else None))


@contextlib.contextmanager
def _gate_ahead(cfg: Config) -> Iterator[subprocess.Popen[bytes] | None]:
    """The gate's child process, started before the guardian is imported: its interpreter and imports
    (most of a gate's time) run beside ours; it gets its work, and touches the database, only once
    the guardian has checked the database's identity. Ended unused when the start fails first."""
    from ..runtime import gate_process

    ahead = gate_process.spawn() if cfg.has_schema_source else None
    try:
        yield ahead
    except BaseException:
        if ahead is not None:
            gate_process.unused(ahead)
        raise


async def _supervise(
    warden: Warden, argv: list[str], webhook: WebhookMode | None, polling_bot: TelegramSettings | None
) -> int:
    from ..runtime.supervisor import Supervisor
    from ..runtime.webhook_mode import watch_polling_conflict

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
    from ..redact import RedactingFilter

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
