"""Legacy schemas for ``migrate test``: ``pg_dump --schema-only`` files or pgwarden snapshots."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from ..catalog import Schema, inspect, serialize
from ..diff import diff, render_sql
from ..errors import SourceError
from .source import MigrationFile, show_path, statements

__all__ = ["Legacy", "find_legacy", "restore"]


@dataclass(frozen=True)
class Legacy:
    label: str
    path: Path
    kind: str
    """``dump`` (SQL) or ``snapshot`` (JSON)."""


def find_legacy(folder: Path) -> list[Legacy]:
    """Every ``*.sql`` and ``*.json`` in ``folder``, by name."""
    if not folder.is_dir():
        raise SourceError(
            f"Legacy schemas folder {show_path(folder)} does not exist: pass --legacy DIR holding "
            "`pg_dump --schema-only` files (.sql) or pgwarden snapshots (.json)."
        )
    found = [
        Legacy(p.name, p, "dump" if p.suffix == ".sql" else "snapshot")
        for p in sorted(folder.iterdir())
        if p.is_file() and p.suffix in (".sql", ".json")
    ]
    if not found:
        raise SourceError(
            f"Legacy schemas folder {show_path(folder)} holds no .sql dumps or .json snapshots."
        )
    return found


def restore(conn: psycopg.Connection[Any], legacy: Legacy) -> None:
    """Recreate ``legacy`` in the (empty) database behind the autocommit ``conn``."""
    if legacy.kind == "snapshot":
        expected: Schema = serialize.read(legacy.path)
        text = render_sql(diff(expected, inspect(conn)), allow_destructive=True)
    else:
        try:
            raw = legacy.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SourceError(f"Cannot read legacy schema {show_path(legacy.path)}: {exc}.") from None
        # psql meta-commands (\connect, \restrict in newer pg_dump) are not SQL.
        text = "\n".join("" if line.startswith("\\") else line for line in raw.splitlines())
    file = MigrationFile(version=0, name=legacy.label, path=legacy.path, sql=text, checksum="")
    try:
        with conn.transaction():
            for _offset, statement in statements(file):
                conn.execute(statement.encode("utf-8"))
    except psycopg.Error as exc:
        raise SourceError(
            f"Legacy schema {show_path(legacy.path)} cannot be restored on the scratch server: "
            f"{str(exc).strip().splitlines()[0]}."
        ) from None
    finally:
        conn.execute("RESET ALL")
