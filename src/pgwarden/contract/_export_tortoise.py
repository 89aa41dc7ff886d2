"""Describe Tortoise ORM models as JSON: the PostgreSQL DDL Tortoise's own schema generator writes.

Loaded by path from ``_export_models.py`` in the project's interpreter, so the
same rules hold: standard library and Tortoise only, Python 3.7+ syntax.

Tortoise is initialised with the project's apps but with every connection
replaced by a PostgreSQL client that never connects: the schema comes from
the generator Tortoise uses for ``generate_schemas()``, offline, without a
database driver (a bot configured for SQLite still gets PostgreSQL DDL).
Tortoise before the shared PostgreSQL backend (0.19) builds on its asyncpg
client instead, which needs asyncpg installed but does not connect either.
"""

from __future__ import annotations

import asyncio
import sys
import types
from typing import Any

ENGINE = "_pgwarden_tortoise_offline"
"""The module name Tortoise imports the offline client from (put in ``sys.modules``)."""


def describe(target: Any, spec: str, error: Any) -> dict[str, Any] | None:
    """The models' DDL when ``target`` is a Tortoise config or models module, else ``None``."""
    config = _config_of(target)
    if config is None:
        return None
    import tortoise

    version = str(getattr(tortoise, "__version__", "?"))
    try:
        statements, models = asyncio.run(_schema_sql(config, error, version))
    except error:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever Tortoise raises for the user's models
        text = str(exc).strip().splitlines()
        raise error(
            "compile",
            "Tortoise ORM {} could not build the schema: {}: {}".format(
                version, type(exc).__name__, text[0] if text else "(no message)"
            ),
        ) from None
    finally:
        _reset()
    return {
        "orm": "Tortoise ORM " + version,
        "schemas": sorted({s for s in (_schema_of(m) for m in models) if s}),
        "ddl": [{"what": _what(statement), "sql": statement} for statement in statements],
        "columns": _columns(models),
    }


def _config_of(target: Any) -> dict[str, Any] | None:
    """A Tortoise config with the project's apps: from ``TORTOISE_ORM``-style dict or a models module."""
    from tortoise.models import Model

    if isinstance(target, types.ModuleType):
        named = getattr(target, "TORTOISE_ORM", None)
        if isinstance(named, dict) and "apps" in named:
            target = named
        elif any(
            isinstance(v, type) and issubclass(v, Model) and v is not Model for v in vars(target).values()
        ):
            return {"apps": {"models": {"models": [target.__name__]}}}
        else:
            return None
    elif isinstance(target, type) and issubclass(target, Model):
        return {"apps": {"models": {"models": [target.__module__]}}}
    if isinstance(target, dict) and isinstance(target.get("apps"), dict):
        apps = {}
        for label, app in target["apps"].items():
            models = [m for m in app.get("models", []) if _importable(m)]
            if models:
                apps[label] = {
                    "models": models,
                    "default_connection": app.get("default_connection", "default"),
                }
        return {"apps": apps}
    return None


def _importable(name: Any) -> bool:
    """Whether a module a config lists can load (``aerich.models`` is listed where aerich is absent)."""
    if not isinstance(name, str):
        return True
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _import(name: Any, error: Any) -> None:
    """Import a models module first, so its failure names the module and line, not Tortoise's wrapper."""
    if not isinstance(name, str):
        return
    import importlib
    import traceback

    try:
        importlib.import_module(name)
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - whatever the user's module raises
        frames = traceback.extract_tb(exc.__traceback__)
        where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
        text = str(exc).strip().splitlines()
        raise error(
            "import",
            "importing `{}` raised {}: {}{}".format(
                name, type(exc).__name__, text[0] if text else "(no message)", where
            ),
        ) from None


def _offline_engine(version: str, error: Any) -> str:
    """The engine module for connections that never connect (an in-memory module Tortoise imports)."""
    try:
        from tortoise.backends.base_postgres.client import BasePostgresClient as Base
    except ImportError:
        try:  # before 0.19 the PostgreSQL DDL lives with the asyncpg client, which imports asyncpg
            from tortoise.backends.asyncpg.client import AsyncpgDBClient as Base
        except ImportError:
            raise error(
                "too_old",
                f"Tortoise ORM {version} writes PostgreSQL DDL only through asyncpg, which is not "
                "installed there",
            ) from None

    class OfflineClient(Base):  # type: ignore[misc,valid-type]
        """A PostgreSQL client for schema generation only: it never opens a connection."""

        async def create_connection(self, with_db: bool) -> None:
            """Tortoise before 1.0 connects during init: nothing to open here."""

    OfflineClient.__abstractmethods__ = frozenset()
    module = types.ModuleType(ENGINE)
    module.client_class = OfflineClient  # type: ignore[attr-defined]
    sys.modules[ENGINE] = module
    return ENGINE


async def _schema_sql(config: dict[str, Any], error: Any, version: str) -> tuple[list[str], list[Any]]:
    """The DDL per connection and the models, read inside the loop (Tortoise 1.x keeps them per context)."""
    from tortoise import Tortoise
    from tortoise.utils import get_schema_sql

    engine = _offline_engine(version, error)
    for app in config["apps"].values():
        for name in app["models"]:
            _import(name, error)
    names = sorted({app.get("default_connection", "default") for app in config["apps"].values()})
    credentials = {
        "host": "localhost",
        "port": 5432,
        "user": "pgwarden",
        "password": "",
        "database": "pgwarden",
    }
    config = dict(config, connections={n: {"engine": engine, "credentials": credentials} for n in names})
    if not config["apps"]:
        raise error("no_tables", "the Tortoise config lists no models module that imports")
    await Tortoise.init(config=config)
    statements: list[str] = []
    for name in names:
        statements.extend(_split(get_schema_sql(_connection(name), safe=False)))
    if not statements:
        raise error("no_tables", "the Tortoise models define no tables")
    return statements, _models()


def _connection(name: str) -> Any:
    try:
        from tortoise import connections  # 0.19 and later
    except ImportError:
        from tortoise import Tortoise

        return Tortoise.get_connection(name)
    return connections.get(name)


def _reset() -> None:
    """Drop the offline clients without awaiting anything: nothing was opened."""
    sys.modules.pop(ENGINE, None)


def _models() -> list[Any]:
    from tortoise import Tortoise

    apps = Tortoise.apps
    if not apps:
        return []
    if hasattr(apps, "get_models_iterable"):  # 1.x
        return list(apps.get_models_iterable())
    found: list[Any] = []
    for app in apps.values():  # 0.x: {label: {name: model}}
        found.extend(app.values())
    return found


def _schema_of(model: Any) -> str | None:
    schema = getattr(model._meta, "schema", None)
    return schema if isinstance(schema, str) and schema else None


def _pk_keyword() -> str:
    """How this Tortoise spells a primary key: ``primary_key=True`` from 0.21, ``pk=True`` before.

    Tortoise before 0.21 takes ``primary_key=True`` without a word and makes no key of it, so a
    hint must not write it there; 0.21 and later still take ``pk=True`` with a DeprecationWarning.
    """
    import inspect

    from tortoise import fields

    return "primary_key" if "primary_key" in inspect.signature(fields.Field.__init__).parameters else "pk"


def _is_pk(field: Any) -> bool:
    """Whether a field is its model's primary key (``.pk`` in every version; ``.primary_key`` should it move)."""
    return bool(getattr(field, "pk", False) or getattr(field, "primary_key", False) is True)


def _columns(models: list[Any]) -> list[dict[str, Any]]:
    """Per column: the model class and field that declare it, and whether Tortoise gives it a sequence."""
    described: list[dict[str, Any]] = []
    keyword = _pk_keyword()
    for model in models:
        meta = model._meta
        table = "{}.{}".format(_schema_of(model) or "public", meta.db_table)
        for name, field in meta.fields_map.items():
            if name not in meta.fields_db_projection:
                continue  # a relation or reverse relation: its `_id` field is the column
            column = meta.fields_db_projection[name]
            key = _is_pk(field)
            generated = bool(getattr(field, "generated", False)) and key
            described.append(
                {
                    "table": table,
                    "column": column,
                    # Tortoise makes every integer key SERIAL unless `generated=False`: its choice, not the author's.
                    "autoincrement": "auto" if generated else False,
                    "serial": generated,
                    "comment": getattr(field, "description", None),
                    "table_comment": getattr(meta, "table_description", None),
                    "enum": None,
                    "sequence": None,
                    "class": model.__name__,
                    "attribute": name,
                    "style": "tortoise",
                    # A hint that declares this key writes the keyword this Tortoise understands.
                    "pk_keyword": keyword if key else None,
                }
            )
    return described


def _split(script: str) -> list[str]:
    """Statements of a generated script, split at semicolons outside quotes."""
    statements: list[str] = []
    current: list[str] = []
    quote = ""
    for char in script:
        current.append(char)
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == ";":
            text = "".join(current).strip()
            if text != ";":
                statements.append(text)
            current = []
    rest = "".join(current).strip()
    if rest:
        statements.append(rest)
    return statements


def _what(statement: str) -> str:
    """What a statement creates, for error messages: ``table public.users``."""
    words = statement.replace("(", " ").split()
    lowered = [w.lower() for w in words]
    if not lowered or lowered[0] != "create":  # a COMMENT ON TABLE names a table it does not create
        return "DDL `{}`".format(" ".join(statement.split())[:80])
    for kind in ("table", "index", "schema"):
        if kind in lowered[:4]:
            at = lowered.index(kind) + 1
            if at < len(words) and lowered[at] == "if":
                at += 3
            if at < len(words):
                name = words[at].replace('"', "")
                if kind == "table" and "." not in name:
                    name = "public." + name
                return f"{kind} {name}"
    return "DDL `{}`".format(" ".join(statement.split())[:80])
