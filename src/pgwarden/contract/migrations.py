"""A migrations folder as a schema source: every file applied in version order to a scratch database."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..catalog import inspect
from ..db import connect
from ..errors import SourceError
from ..migrate.apply import apply, failure, line_column, server_message
from ..migrate.source import discover, show_path
from ..scratch import Scratch
from . import Expected

# The executor lives in migrate/apply.py; its names stay importable from here for callers above.
__all__ = ["apply", "failure", "line_column", "load", "server_message"]


def load(
    folder: Path,
    scratch: Scratch,
    *,
    schemas: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> Expected:
    """The schema the migrations in ``folder`` build on an empty database; ``MigrationError`` if one fails."""
    files = discover(folder)
    if not files:
        raise SourceError(
            f"Migrations folder {show_path(folder)} holds no migration files (NNN_description.sql): "
            "add them or fix `migrations` in the config."
        )
    url = scratch.create_database("migrations")
    try:
        with connect(url, autocommit=True, what="scratch database") as conn:
            for file in files:
                apply(conn, file)
            schema = inspect(conn, schemas=schemas, ignore=ignore)
    finally:
        scratch.drop_database(url)
    return Expected(label=show_path(folder), kind="migrations", schema=schema)
