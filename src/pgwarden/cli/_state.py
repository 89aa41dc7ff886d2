"""What every command shares: output streams, global flags, configuration loading."""

from __future__ import annotations

import sys
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
        """The configuration file with command-line flags applied."""
        return config_module.load(self.config_path).with_overrides(**flags)


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
