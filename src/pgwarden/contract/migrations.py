"""Migrations as a schema source: every SQL file (or Alembic revision) applied in order to a scratch database."""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..catalog import inspect
from ..db import connect
from ..errors import SourceError
from ..migrate.apply import apply, failure, line_column, server_message
from ..migrate.source import show_path
from ..migrate.source_api import MigrationSource
from ..migrate.sources import open_source
from ..scratch import Scratch
from . import schema_cache
from .expected import Expected

# The executor lives in migrate/apply.py; its names stay importable from here for callers above.
__all__ = ["apply", "failure", "line_column", "load", "server_message"]


def load(
    folder: Path,
    scratch: Scratch | Callable[[], Scratch],
    *,
    schemas: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> Expected:
    """The schema the migrations at ``folder`` (SQL files or an Alembic environment) build on an empty
    database; ``MigrationError`` names the migration that fails.

    ``scratch`` (or the ``Scratch`` it gives when called) builds it; when the same migrations were
    built on the same kind of server before, the stored schema is used and no scratch is asked for.
    """
    before = set(sys.modules)
    source = open_source(folder, read_only=True)
    _read_project_imports(source)
    imported = [n for n in sys.modules if n not in before]  # what reading the revisions imported
    if not source.migrations():
        raise SourceError(
            f"Migrations folder {show_path(folder)} holds no migration files (NNN_description.sql): "
            "add them or fix `migrations` in the config."
        )
    bookkeeping: tuple[str, ...] = ()
    if source.kind == "alembic":
        # Alembic's ledger is built with the chain; it is bookkeeping, never part of the schema.
        bookkeeping = ("*.alembic_version", *source.table.patterns)  # type: ignore[attr-defined]
        ignore = (*ignore, *bookkeeping)
    # Findings name an Alembic chain by its head revision(s) too, read without importing Alembic.
    heads = tuple(getattr(getattr(source, "read", None), "heads", ())) if source.kind == "alembic" else ()
    server = schema_cache.server_of(scratch) if schema_cache.enabled() else None
    entry_key = None
    if server is not None:
        entry_key = schema_cache.key("migrations", server, _inputs(source, schemas, ignore, imported))
        hit = schema_cache.load(entry_key)
        if hit is not None:
            return Expected(
                label=show_path(folder),
                kind="migrations",
                schema=hit.schema,
                heads=heads,
                bookkeeping=bookkeeping,
            )
    given = scratch if isinstance(scratch, Scratch) else scratch()
    url = given.create_database("migrations")
    try:
        source.build(url)
        with connect(url, autocommit=True, what="scratch database") as conn:
            schema = inspect(conn, schemas=schemas, ignore=ignore)
    finally:
        given.drop_database(url)
    if entry_key is not None:
        schema_cache.store(entry_key, schema_cache.Entry(schema))
    return Expected(
        label=show_path(folder), kind="migrations", schema=schema, heads=heads, bookkeeping=bookkeeping
    )


def _inputs(
    source: MigrationSource, schemas: Sequence[str], ignore: Sequence[str], imported: Sequence[str]
) -> dict[str, Any]:
    """Everything the built schema depends on: the migrations in order (id, name, checksum), the
    inspection's settings and, for Alembic, its configuration, its version and SQLAlchemy's, and the
    project modules the revisions import (read by Alembic before this is called)."""
    inputs: dict[str, Any] = {
        "kind": source.kind,
        "migrations": [(m.id, m.name, m.checksum) for m in source.migrations()],
        "schemas": list(schemas),
        "ignore": list(ignore),
    }
    if source.kind == "alembic":
        where = source.where.resolve()
        config = [where] if where.is_file() else [where / "alembic.ini", where / "env.py"]
        revisions = {os.path.realpath(m.path) for m in source.migrations()}
        # The project is the folder holding alembic.ini or the script folder: modules below it count.
        found = [
            f
            for f in schema_cache.project_files(where.parent, schema_cache.module_files(imported))
            if f not in revisions
        ]
        inputs["alembic"] = {
            "versions": [_version(n) for n in ("alembic", "sqlalchemy")],
            "files": [(str(p), _digest(p)) for p in [*config, *map(Path, found)]],
        }
    return inputs


def _read_project_imports(source: MigrationSource) -> None:
    """An Alembic chain read without Alembic whose revisions import more than Alembic, SQLAlchemy and
    the standard library is read again by Alembic: that imports them, so the cache key can name the
    project files the built schema depends on."""
    if source.kind != "alembic":
        return
    from ..migrate.alembic_fastchain import FastChain
    from ..migrate.alembic_source import AlembicSource

    plain = {"alembic", "sqlalchemy", "__future__", *sys.stdlib_module_names}
    if (
        isinstance(source, AlembicSource)
        and isinstance(source.read, FastChain)
        and not source.read.imports <= plain
    ):
        source.chain.revisions  # noqa: B018 (the read is what counts)


def _version(module: str) -> str | None:
    """The installed version of ``module``, from the module when imported, else from its metadata
    (the same string either way, so a key does not depend on how the chain was read)."""
    if module in sys.modules:
        return getattr(sys.modules[module], "__version__", None)
    from importlib import metadata

    try:
        return metadata.version(module)
    except metadata.PackageNotFoundError:
        return None


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
