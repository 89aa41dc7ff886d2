"""What every command shares: output streams, global flags, configuration loading."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

import click

from .. import config as config_module
from ..config import Config
from ..findings import FORMATS


@dataclass
class State:
    out: IO[str] = field(default_factory=lambda: sys.stdout)
    err: IO[str] = field(default_factory=lambda: sys.stderr)
    config_path: str | None = None
    color: bool | None = None

    def config(self, **flags: Any) -> Config:
        """The configuration file with command-line flags applied, every section validated."""
        cfg = config_module.load(self.config_path).with_overrides(**flags)
        validate_sections(cfg)
        return cfg


def validate_sections(cfg: Config) -> None:
    """Check every capability's table whichever command runs: a typo in [runtime] fails `check` too.

    Only sections present are imported, so `lint` on a file without [alerts] never loads httpx.
    Alerts are checked for their keys only: the bot token lives in the service's environment,
    not in CI's.
    """
    sections = cfg.sections
    if "lint" in sections:
        from ..lint.settings import settings_from  # pglast

        settings_from(cfg)
    if "migrate" in sections:
        from ..migrate.settings import from_config as migrate_settings  # pglast

        migrate_settings(cfg)
    if "backup" in sections:
        from ..backup.settings import from_config as backup_settings  # psycopg

        backup_settings(cfg)
    if "repair" in sections:
        from ..checks.options import options_from_config  # pglast, psycopg

        options_from_config(cfg)
    if "runtime" in sections or "name" in sections:
        from ..runtime.settings import RuntimeSettings  # light, but `pgwarden --help` need not load runtime/

        RuntimeSettings.from_config(cfg)
    if "alerts" in sections:
        from ..runtime.alerts import ALERT_KEYS  # httpx

        cfg.table("alerts", ALERT_KEYS)
    if "telegram" in sections:
        from ..doctor.telegram_settings import TelegramSettings

        TelegramSettings.from_config(cfg)


format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Output format: text for people, json for scripts, github for workflow annotations, sarif for code scanning.",
)
db_option = click.option(
    "--db", "database_url", metavar="URL", help="Live database URL (default: $DATABASE_URL)."
)
dev_url_option = click.option(
    "--dev-url",
    metavar="URL",
    help="A server where pgwarden may create and drop scratch databases (default: a throwaway local cluster).",
)


def progress(state: State, fmt: str) -> Callable[[str], None]:
    """Progress lines on stderr for a person (text output only: json and friends stay parseable)."""

    def say(message: str) -> None:
        if fmt == "text":
            state.err.write(f"pgwarden: {message}\n")
            state.err.flush()

    return say


def write_json(out: IO[str], doc: dict[str, Any]) -> None:
    json.dump(doc, out, indent=2, default=str)
    out.write("\n")
