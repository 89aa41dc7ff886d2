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
