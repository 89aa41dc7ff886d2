"""``pgwarden doctor telegram``: the bot as the Bot API sees it (getMe, getWebhookInfo) and as its logs do."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .. import findings as findings_module
from .. import formats
from ..errors import UsageError
from ._state import State

if TYPE_CHECKING:
    from ..doctor.reader import LogSource

__all__ = ["log_options", "log_sources", "telegram", "telegram_options"]

F = TypeVar("F", bound=Callable[..., Any])


def telegram_options(command: F) -> F:
    """The flags that override ``[telegram]``, shared with ``deploy verify``."""
    for option in reversed(
        (
            click.option(
                "--token-env",
                metavar="NAME",
                help="Environment variable holding the bot token (default: TELEGRAM_BOT_TOKEN).",
            ),
            click.option("--username", metavar="NAME", help="The bot's expected @username."),
            click.option(
                "--mode", type=click.Choice(("polling", "webhook")), help="How the bot gets updates."
            ),
            click.option("--webhook-url", metavar="URL", help="The webhook URL of this deployment."),
            click.option(
                "--api-base",
                metavar="URL",
                help="Bot API server (default: https://api.telegram.org; a local telegram-bot-api works too).",
            ),
        )
    ):
        command = option(command)
    return command


def log_sources(
    files: tuple[str, ...], units: tuple[str, ...], containers: tuple[str, ...]
) -> list[LogSource]:
    """Log sources from ``--log``, ``--journal`` and ``--docker`` (stdin at most once)."""
    from ..doctor.reader import LogSource

    sources = [LogSource("stdin" if f == "-" else "file", f) for f in files]
    sources += [LogSource("journal", u) for u in units]
    sources += [LogSource("docker", c) for c in containers]
    if sum(1 for s in sources if s.kind == "stdin") > 1:
        raise UsageError("Standard input (-) can be read only once.")
    return sources


def log_options(command: F) -> F:
    for option in reversed(
        (
            click.option(
                "--log", "files", multiple=True, metavar="FILE", help="A log file of the bot (- for stdin)."
            ),
            click.option(
                "--journal", "units", multiple=True, metavar="UNIT", help="The journal of a systemd unit."
            ),
            click.option(
                "--docker", "containers", multiple=True, metavar="NAME", help="`docker logs` of a container."
            ),
        )
    ):
        command = option(command)
    return command


@click.command()
@telegram_options
@log_options
@click.option(
    "--since", default="1 hour ago", show_default=True, metavar="TIME", help="Log events from then on."
)
@click.option("--format", "fmt", type=click.Choice(("text", "json", "github", "sarif")), default="text")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@click.pass_obj
def telegram(
    state: State,
    token_env: str | None,
    username: str | None,
    mode: str | None,
    webhook_url: str | None,
    api_base: str | None,
    files: tuple[str, ...],
    units: tuple[str, ...],
    containers: tuple[str, ...],
    since: str,
    fmt: str,
    strict: bool,
) -> int:
    """Ask Telegram about the bot: identity (getMe), webhook (URL, pending updates, last error, IP).

    Compares them with [telegram] in the config (expected username, polling or webhook, the
    webhook URL) and, with --log/--journal/--docker, adds what the logs saw: a rejected token
    (401), users who blocked the bot (403), rate limits (429 with retry_after). The token comes
    from TELEGRAM_BOT_TOKEN (or [telegram] token_env) and is never printed. Exit 3 when the Bot
    API cannot be reached.
    """
    from ..doctor.telegram import diagnose  # httpx
    from ..doctor.telegram_settings import TelegramSettings
    from ..doctor.timestamps import parse_since

    settings = TelegramSettings.from_config(
        state.config(),
        token_env=token_env,
        username=username,
        mode=mode,
        webhook_url=webhook_url,
        api_base=api_base,
    )
    sources = log_sources(files, units, containers)
    start: datetime | None = parse_since(since) if sources else None
    result = diagnose(settings, sources=sources, since=start)
    title = f"pgwarden doctor telegram: {settings.api_host}"
    formats.render(
        result.findings, fmt, state.out, color=state.color, title=title, extra={"notes": result.notes}
    )
    if fmt == "text":
        for note in result.notes:
            state.out.write(f"Note: {note}\n")
    return findings_module.exit_code(result.findings, strict=strict)
