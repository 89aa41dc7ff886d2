"""Describe Peewee models as JSON: the PostgreSQL DDL Peewee's own schema manager writes.

Loaded by path from ``_export_models.py`` in the project's interpreter, so the
same rules hold: standard library and Peewee only, Python 3.7+ syntax.

The models are bound for the moment to a ``PostgresqlDatabase`` that never
connects (whatever database the project configures, SQLite included), and each
model's ``_schema`` writes what ``create_tables()`` would send: sequences,
the table with its foreign keys, then its indexes.
"""

from __future__ import annotations

import types
from typing import Any


def describe(target: Any, spec: str, error: Any) -> dict[str, Any] | None:
    """The models' DDL when ``target`` is a Peewee database, model or models module, else ``None``."""
    import peewee

    version = str(getattr(peewee, "__version__", "?"))
    models = _models_of(target, peewee)
    if models is None:
        return None
    if not hasattr(peewee, "SchemaManager"):  # 3.0 on: each model writes its own DDL
        raise error("too_old", f"Peewee {version} is older than 3.0")
    if not models:
        raise error("no_tables", f"`{spec}` holds no Peewee models")
    database = peewee.PostgresqlDatabase("pgwarden_never_connected")
    try:
        with database.bind_ctx(models, bind_refs=False, bind_backrefs=False):
            ordered = peewee.sort_models(models)
            ddl = [statement for model in ordered for statement in _model_ddl(model, database)]
            columns = [column for model in ordered for column in _columns(model, peewee)]
    except Exception as exc:  # noqa: BLE001 - whatever Peewee raises for the user's models
        text = str(exc).strip().splitlines()
        raise error(
            "compile",
            "Peewee {} could not write the schema: {}: {}".format(
                version, type(exc).__name__, text[0] if text else "(no message)"
            ),
        ) from None
    return {
        "orm": "Peewee " + version,
        "schemas": sorted({m._meta.schema for m in models if m._meta.schema}),
        "ddl": ddl,
        "columns": columns,
    }


def _models_of(target: Any, peewee: Any) -> list[Any] | None:
    """The table models ``target`` stands for; ``None`` when it is nothing of Peewee's."""
    model = peewee.Model
    if isinstance(target, peewee.Database):
        found = [m for m in _all_subclasses(model) if m._meta.database is target]
    elif isinstance(target, type) and issubclass(target, model):
        found = [target, *_all_subclasses(target)]
    elif isinstance(target, types.ModuleType):
        found = [
            v
            for v in vars(target).values()
            if isinstance(v, type) and issubclass(v, model) and v is not model
        ]
        if not found:
            return None
    else:
        return None
    # A base class the models inherit fields and Meta.database from is not a table of its own.
    unique = list(dict.fromkeys(found))
    return [m for m in unique if not any(o is not m and issubclass(o, m) for o in unique)]


def _all_subclasses(cls: type) -> list[Any]:
    found: list[Any] = []
    subclasses: list[Any] = cls.__subclasses__()
    for sub in subclasses:
        found.append(sub)
        found.extend(_all_subclasses(sub))
    return found


def _model_ddl(model: Any, database: Any) -> list[dict[str, str]]:
    """What ``model.create_table(safe=False)`` sends: its sequences, the table, its indexes."""
    schema = model._schema
    table = "{}.{}".format(model._meta.schema or "public", model._meta.table_name)
    found: list[dict[str, str]] = []
    for field in model._meta.sorted_fields:
        if field.sequence:
            found.append(
                {"what": "sequence " + field.sequence, "sql": _sql(database, schema._create_sequence(field))}
            )
    found.append({"what": "table " + table, "sql": _sql(database, schema._create_table(safe=False))})
    for index in schema._create_indexes(safe=False):
        found.append({"what": "an index on table " + table, "sql": _sql(database, index)})
    return found


def _sql(database: Any, node: Any) -> str:
    """One statement with its parameters written in as literals (DDL cannot take bound parameters)."""
    query, params = database.get_sql_context().sql(node).query()
    if not params:
        return str(query)
    pieces = str(query).split("%s")
    if len(pieces) != len(params) + 1:
        raise ValueError(f"cannot place the parameters of {query!r}")
    out = [pieces[0]]
    for index, value in enumerate(params):  # no zip(strict=...): this file runs on Python 3.7
        out.append(_literal(value))
        out.append(pieces[index + 1])
    return "".join(out)


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'{}'".format(str(value).replace("'", "''"))


def _columns(model: Any, peewee: Any) -> list[dict[str, Any]]:
    """Per column: the model class and field that declare it; AutoField asks for a sequence itself."""
    table = "{}.{}".format(model._meta.schema or "public", model._meta.table_name)
    automatic = tuple(
        c for c in (getattr(peewee, "AutoField", None), getattr(peewee, "BigAutoField", None)) if c
    )
    described: list[dict[str, Any]] = []
    for field in model._meta.sorted_fields:
        serial = isinstance(field, automatic)
        described.append(
            {
                "table": table,
                "column": field.column_name,
                "autoincrement": serial,
                "serial": serial,
                "comment": None,
                "table_comment": None,
                "enum": None,
                "sequence": field.sequence or None,
                "class": model.__name__,
                "attribute": field.name,
                "style": "peewee",
            }
        )
    return described
