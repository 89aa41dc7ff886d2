"""``pgwarden deploy verify``: exit 0 only when the deployment meets incident 004's success criteria."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import click

from ..errors import UsageError
from ._doctor_telegram import log_options, log_sources, telegram_options
from ._state import State, db_option

if TYPE_CHECKING:
    from ..deploy.criteria import Criterion

__all__ = ["deploy"]


_DURATION = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|sec|m|min|h)?\s*", re.IGNORECASE)
_UNITS = {"ms": 0.001, "s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}


def _seconds(flag: str, text: str, *, zero: bool = False) -> float:
    """Seconds in ``90s``, ``10m``, ``2min``, ``1h`` or a bare number (backup's parser would load all of backup/)."""
    match = _DURATION.fullmatch(text)
    if not match:
        raise UsageError(f"{flag}: {text!r} is not a duration such as '90s', '10m' or '1h'.")
    seconds = float(match.group(1)) * _UNITS[(match.group(2) or "s").lower()]
    if seconds <= 0 and not zero:
        raise UsageError(f"{flag}: {text!r} must be longer than zero.")
    return seconds


@click.group()
def deploy() -> None:
    """Check a deployment from the outside: code version, migrations, gate, leader, bot, logs."""


@deploy.command()
@db_option
@click.option("--name", help="The lease name the service runs under (default: the config's `name`).")
@click.option("--version", "version", metavar="COMMIT", help="The commit (or version) you deployed.")
@click.option("--deadline", default="2min", show_default=True, metavar="DURATION", help="Give up after this.")
@click.option(
    "--quiet-for",
    default="0",
    show_default=True,
    metavar="DURATION",
    help="Logs must show no error signature for this long after the active instance started (e.g. 10m).",
)
@click.option("--interval", default="2s", show_default=True, metavar="DURATION", help="Time between looks.")
@click.option(
    "--synthetic-update",
    is_flag=True,
    help="POST an update with no content to the webhook with the secret token; expect 200.",
)
@telegram_options
@log_options
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)
@click.pass_obj
def verify(
    state: State,
    database_url: str | None,
    name: str | None,
    version: str | None,
    deadline: str,
    quiet_for: str,
    interval: str,
    synthetic_update: bool,
    token_env: str | None,
    username: str | None,
    mode: str | None,
    webhook_url: str | None,
    api_base: str | None,
    files: tuple[str, ...],
    units: tuple[str, ...],
    containers: tuple[str, ...],
    fmt: str,
) -> int:
    """Wait until the deployment meets every success criterion, or the deadline passes.

    Criteria: the active instance runs --version; migrations at head; it passed the schema
    gate; exactly one instance is active; the webhook points at this deployment with no error
    since it started (webhook bots) or polling is live with no webhook set (polling bots); the
    bot is the expected @username; no error signature in the logs for --quiet-for; with
    --synthetic-update, the webhook answers 200. Criteria with nothing to check them are
    skipped and listed. Exit 0 when all checked criteria hold, 1 when one does not by the
    deadline, 2 for bad flags or config, 3 when the database or the Bot API cannot be reached.
    Read-only, except the synthetic update.
    """
    from ..deploy import Target
    from ..deploy import verify as run_verify
    from ..deploy.render import render_json, render_text
    from ..doctor.telegram_settings import TelegramSettings
    from ..runtime.settings import RuntimeSettings
    from ..urls import describe

    limit = _seconds("--deadline", deadline)
    quiet = _seconds("--quiet-for", quiet_for, zero=True)
    every = _seconds("--interval", interval)
    cfg = state.config(database_url=database_url)
    url = cfg.db_url()
    assert url is not None
    telegram = TelegramSettings.from_config(
        cfg, token_env=token_env, username=username, mode=mode, webhook_url=webhook_url, api_base=api_base
    )
    if synthetic_update and not telegram.webhook_url:
        raise UsageError(
            "--synthetic-update needs the webhook URL: set [telegram] webhook_url or pass --webhook-url."
        )
    target = Target(
        url=url,
        name=name or RuntimeSettings.from_config(cfg).name,
        connect_timeout=cfg.connect_timeout,
        expected_version=version,
        migrations=cfg.migrations,
        telegram=telegram,
        log_sources=log_sources(files, units, containers),
        quiet_for=quiet,
        synthetic=synthetic_update,
    )
    tty = fmt == "text" and state.err.isatty()

    def progress(criteria: list[Criterion]) -> None:
        if tty:
            waiting = [c.name for c in criteria if c.met is False]
            state.err.write(f"\rwaiting for: {', '.join(waiting) or 'nothing'}\033[K")
            state.err.flush()

    verdict = run_verify(target, deadline=limit, interval=every, progress=progress)
    if tty:
        state.err.write("\r\033[K")
    if fmt == "json":
        render_json(verdict, state.out)
    else:
        render_text(verdict, state.out, title=f"pgwarden deploy verify: {target.name} on {describe(url)}")
    return 0 if verdict.ok else 1
