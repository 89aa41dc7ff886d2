"""Models read in the project's own interpreter: the exporter's DDL applied to a scratch database, then inspected."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import psycopg
from psycopg import sql

from ..catalog import inspect
from ..db import connect
from ..diff import CLASSIC_SUFFIX, STYLE_SUFFIX
from ..diff.model_code import ORMS, PK_SUFFIX
from ..errors import SourceError
from ..migrate.apply import server_message
from ..scratch import Scratch
from . import schema_cache
from .expected import MODEL_OBJECT_TYPES, Expected
from .export import Export, export_models
from .integer_keys import AUTO_SUFFIX
from .interpreter import Interpreter

__all__ = ["attributes", "load_exported"]


def load_exported(
    spec: str,
    scratch: Scratch | Callable[[], Scratch],
    *,
    root: Path,
    interpreter: Interpreter,
    schemas: Sequence[str] = (),
    ignore: Sequence[str] = (),
    extensions: Sequence[str] = (),
) -> Expected:
    """The schema the models at ``spec`` create, as ``interpreter`` (the project's Python) compiles them.

    The schema a scratch database gave for the same DDL, schemas, settings and server is reused.
    """
    exported = export_models(spec, root, interpreter)
    schema = None
    server = schema_cache.server_of(scratch) if schema_cache.enabled() else None
    entry_key = None
    if server is not None:
        inputs = {
            "ddl": exported.ddl,
            "needs": exported.schemas,
            "extensions": list(extensions),
            "schemas": list(schemas),
            "ignore": list(ignore),
        }
        entry_key = schema_cache.key("exported-models", server, inputs)
        hit = schema_cache.load(entry_key)
        schema = hit.schema if hit is not None else None
    if schema is None:
        given = scratch if isinstance(scratch, Scratch) else scratch()
        url = given.create_database("models")
        try:
            _apply(url, exported, spec, extensions)
            with connect(url, what="scratch database") as conn:
                schema = inspect(conn, schemas=schemas, ignore=ignore)
        finally:
            given.drop_database(url)
        if entry_key is not None:
            schema_cache.store(entry_key, schema_cache.Entry(schema))
    return Expected(
        label=spec,
        kind="models",
        schema=schema,
        attributes=attributes(exported),
        covers=MODEL_OBJECT_TYPES,
    )


def attributes(exported: Export) -> dict[str, str]:
    """``schema.table.column`` -> ``Class.attribute``, and each column's declaration style (``Column(...)``,
    a Tortoise/Peewee/Django field) for hints in the model's own words."""
    found: dict[str, str] = {}
    for column in exported.columns:
        qualname = f"{column['table']}.{column['column']}"
        if column.get("serial"):  # the column SQLAlchemy gives a sequence: did the author ask for it?
            found[f"{qualname}{AUTO_SUFFIX}"] = "explicit" if column.get("autoincrement") is True else "auto"
        if not column.get("class") or not column.get("attribute"):
            continue
        found.setdefault(qualname, f"{column['class']}.{column['attribute']}")
        style = column.get("style")
        if style == "Column":  # so a rename hint shows Column(...), not mapped_column
            found.setdefault(f"{qualname}{CLASSIC_SUFFIX}", "Column")
        elif style in ORMS:  # Tortoise, Peewee, Django: hints show that ORM's fields
            found.setdefault(f"{qualname}{STYLE_SUFFIX}", str(style))
        if column.get("pk_keyword") == "pk":  # Tortoise before 0.21: `primary_key=True` would be ignored
            found.setdefault(f"{qualname}{PK_SUFFIX}", "pk")
    return found


def prepare(url: str, schemas: Iterable[str], spec: str, extensions: Sequence[str]) -> None:
    """Create the schemas the models' tables live in and the declared extensions (both loaders)."""
    with connect(url, autocommit=True, what="scratch database") as conn:
        for name in sorted(set(schemas) - {"public"}):
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(name)))
        for name in extensions:
            try:
                conn.execute(
                    sql.SQL("CREATE EXTENSION IF NOT EXISTS {} CASCADE").format(sql.Identifier(name))
                )
            except psycopg.Error as exc:
                raise SourceError(
                    f"Models `{spec}`: extension {name} (declared in [[expect.extensions]]) cannot be "
                    f"installed on the scratch database: {server_message(exc)}. Install the extension's "
                    "package on that server, or pass --dev-url for a server that has it."
                ) from None


def _apply(url: str, exported: Export, spec: str, extensions: Sequence[str]) -> None:
    """Create the schemas and extensions, then run the models' DDL in one transaction."""
    prepare(url, exported.schemas, spec, extensions)
    with connect(url, what="scratch database") as conn:
        for what, statement in exported.ddl:
            try:
                # The statement is DDL the project's SQLAlchemy compiled from the models, run verbatim.
                conn.execute(sql.SQL(statement))  # type: ignore[arg-type]
            except psycopg.Error as exc:
                advice = "Fix the model so that metadata.create_all() works on an empty database"
                if exc.sqlstate in ("42883", "42704"):
                    advice = (
                        "If it comes from an extension, declare the extension under [[expect.extensions]] "
                        "so pgwarden installs it first"
                    )
                raise SourceError(
                    f"Models `{spec}`: creating {what} on a scratch database failed: "
                    f"{server_message(exc)}. {advice}."
                ) from None
        conn.commit()
