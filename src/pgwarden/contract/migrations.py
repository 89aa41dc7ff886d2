"""Migrations as a schema source: every SQL file (or Alembic revision) applied in order to a scratch database."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..catalog import inspect
from ..db import connect
from ..errors import SourceError
from ..migrate.apply import apply, failure, line_column, server_message
from ..migrate.source import show_path
from ..migrate.sources import open_source
from ..scratch import Scratch
from .expected import Expected

# The executor lives in migrate/apply.py; its names stay importable from here for callers above.
__all__ = ["apply", "failure", "line_column", "load", "server_message"]


def load(
    folder: Path,
    scratch: Scratch,
    *,
    schemas: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> Expected:
    """The schema the migrations at ``folder`` (SQL files or an Alembic environment) build on an empty
    database; ``MigrationError`` names the migration that fails."""
    source = open_source(folder)
    if not source.migrations():
        raise SourceError(
            f"Migrations folder {show_path(folder)} holds no migration files (NNN_description.sql): "
            "add them or fix `migrations` in the config."
        )
    if source.kind == "alembic":
        # Alembic's ledger is built with the chain; it is bookkeeping, never part of the schema.
        ignore = (*ignore, "*.alembic_version")
    url = scratch.create_database("migrations")
    try:
        source.build(url)
        with connect(url, autocommit=True, what="scratch database") as conn:
            schema = inspect(conn, schemas=schemas, ignore=ignore)
    finally:
        scratch.drop_database(url)
    return Expected(label=show_path(folder), kind="migrations", schema=schema)
