"""Describe Django models as JSON: the DDL Django's own PostgreSQL schema editor writes.

Loaded by path from ``_export_models.py`` in the project's interpreter (standard library and
Django only, Python 3.7+ syntax). ``models`` names the settings module (``mysite.settings``);
a models module cannot be imported before Django is set up. Django is set up with those
settings, then a PostgreSQL connection that is never opened collects what
``schema_editor.create_model()`` would run for every managed model, with the
``django_migrations`` table ``migrate`` keeps. The PostgreSQL backend module imports
psycopg or psycopg2, so one of them must be installed (any Django project on PostgreSQL has it).
"""

from __future__ import annotations

import os
import types
from typing import Any


def describe(target: Any, spec: str, error: Any) -> dict[str, Any] | None:
    """The models' DDL when ``target`` is Django settings or models, else ``None``."""
    if isinstance(target, types.ModuleType) and isinstance(
        getattr(target, "INSTALLED_APPS", None), (list, tuple)
    ):
        os.environ["DJANGO_SETTINGS_MODULE"] = target.__name__
    elif not _holds_models(target):
        return None
    try:
        import django
        from django.apps import apps
    except ImportError:
        raise error("no_orm", f"`{spec}` is Django settings but Django is not installed there") from None
    version = django.get_version()
    try:
        if not apps.ready:
            django.setup()
        connection = _offline_connection(error, version)
        statements, columns = _collect(connection, apps)
    except error:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever Django raises for the user's settings or models
        text = str(exc).strip().splitlines()
        raise error(
            "compile",
            "Django {} could not write the schema: {}: {}".format(
                version, type(exc).__name__, text[0] if text else "(no message)"
            ),
        ) from None
    return {"orm": "Django " + version, "schemas": [], "ddl": statements, "columns": columns}


def _holds_models(target: Any) -> bool:
    try:
        from django.db import models
    except Exception:  # noqa: BLE001 - not installed, or settings not configured: not Django models here
        return False
    if isinstance(target, types.ModuleType):
        return any(isinstance(v, type) and issubclass(v, models.Model) for v in vars(target).values())
    return isinstance(target, type) and issubclass(target, models.Model)


def _offline_connection(error: Any, version: str) -> Any:
    """A PostgreSQL connection wrapper whose every attempt to connect is an error naming the route."""
    from django.db import connections

    try:
        from django.db.backends.postgresql.base import DatabaseWrapper
    except Exception as exc:  # noqa: BLE001 - ImproperlyConfigured when no psycopg is installed
        raise error(
            "no_orm",
            f"Django's PostgreSQL backend does not load there ({type(exc).__name__}: {exc}); install psycopg "
            "or psycopg2 in that environment",
        ) from None
    settings = dict(connections["default"].settings_dict)
    settings.update(
        {"ENGINE": "django.db.backends.postgresql", "NAME": "pgwarden_never_connected", "OPTIONS": {}}
    )
    wrapper = DatabaseWrapper(settings, alias="pgwarden")

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise error("needs_connection", f"Django {version} wants a database connection to write this schema")

    wrapper.connect = refuse
    wrapper.ensure_connection = refuse
    return wrapper


def _collect(connection: Any, apps: Any) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    from django.db.migrations.recorder import MigrationRecorder

    models = [m for m in apps.get_models() if m._meta.managed and not m._meta.proxy and not m._meta.swapped]
    models.append(MigrationRecorder.Migration)  # the ledger `migrate` keeps in every Django database
    with connection.schema_editor(collect_sql=True, atomic=False) as editor:
        for model in models:
            editor.create_model(model)
    statements = [{"what": _what(sql), "sql": sql} for sql in editor.collected_sql]
    return statements, [column for model in models for column in _columns(model)]


def _what(statement: str) -> str:
    words = statement.split()
    if len(words) > 2 and words[0] == "CREATE" and words[1] == "TABLE":
        return "table public." + words[2].strip('"')
    return "DDL `{}`".format(" ".join(words)[:80])


def _columns(model: Any) -> list[dict[str, Any]]:
    table = "public." + model._meta.db_table
    described: list[dict[str, Any]] = []
    for field in model._meta.local_concrete_fields:
        serial = field.get_internal_type() in ("AutoField", "BigAutoField", "SmallAutoField")
        described.append(
            {
                "table": table,
                "column": field.column,
                "autoincrement": serial,
                "serial": serial,
                "comment": getattr(field, "db_comment", None),
                "table_comment": getattr(model._meta, "db_table_comment", None),
                "enum": None,
                "sequence": None,
                "class": model.__name__,
                "attribute": field.name,
                "style": "django",
            }
        )
    return described
