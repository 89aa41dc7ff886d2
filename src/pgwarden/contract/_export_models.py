"""Describe a project's models as JSON, run by the project's own interpreter.

pgwarden runs this file as a script with the interpreter of the project's
environment (never imports it), so the models load with the project's own
ORM and packages: SQLAlchemy (1.3, 1.4 or 2.x) here, Tortoise ORM, Peewee and
Django in the sibling ``_export_tortoise.py``, ``_export_peewee.py`` and
``_export_django.py``, loaded by path. It depends on nothing but the standard library and the project's ORM,
and must keep running on Python 3.7+: no syntax or library newer than that.

    python _export_models.py ROOT MODULE[:ATTR][, MODULE[:ATTR]...] OUTPUT

The description is written to OUTPUT (a file), never to stdout: a ``print()``
in the user's modules at import time must not reach pgwarden's output. On a
failure the file holds ``{"error": {"kind": ..., "message": ...}}``.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from typing import Any

FORMAT = 2
"""Bumped when the description changes shape; pgwarden refuses a format it does not know."""


class ExportError(Exception):
    """Something the user can fix; ``kind`` tells pgwarden how to word it."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def main(argv: list[str]) -> int:
    """Export the models ``argv[1]`` names, importable from ``argv[0]``, into the file ``argv[2]``."""
    root, spec, output = argv
    # Anything the user's modules print goes to stderr, which pgwarden captures.
    real_stdout = sys.stdout
    sys.stdout = sys.stderr
    try:
        result: dict[str, Any] = export(root, spec)
        code = 0
    except ExportError as exc:
        result, code = {"format": FORMAT, "error": {"kind": exc.kind, "message": exc.message}}, 3
    finally:
        sys.stdout = real_stdout
    with open(output, "w", encoding="utf-8") as fh:
        json.dump(result, fh)
    return code


def export(root: str, spec: str) -> dict[str, Any]:
    """The version-neutral description of the models at ``spec``, by whichever ORM defines them."""
    here = os.path.dirname(os.path.abspath(__file__))
    # Python put this file's folder first on the path: it must not shadow the project's modules.
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    sys.path.insert(0, root)
    sys.dont_write_bytecode = True
    sqlalchemy_problem = _sqlalchemy_problem()
    parts = [p.strip() for p in spec.split(",") if p.strip()]
    if len(parts) > 1:  # an env.py's `target_metadata` list: a bare module is imported for its tables
        if sqlalchemy_problem is not None:
            raise sqlalchemy_problem
        found = [
            (p, _import(*p.partition(":")[::2]) if ":" in p else _import(p, "", parent=True)) for p in parts
        ]
        described = _sqlalchemy([(p, t) for p, t in found if ":" in p], spec)
    else:
        described = _one(here, spec, sqlalchemy_problem)
    described.update(
        {"format": FORMAT, "python": "{}.{}.{}".format(*sys.version_info[:3]), "files": _project_files(root)}
    )
    return described


def _one(here: str, spec: str, sqlalchemy_problem: ExportError | None) -> dict[str, Any]:
    module_name, _, attr = spec.partition(":")
    try:
        target = _import(module_name, attr)
    except ExportError as exc:
        # Models that fail on `from sqlalchemy import ...`: the missing or old SQLAlchemy is the news.
        if sqlalchemy_problem is not None and "sqlalchemy" in exc.message.lower():
            raise sqlalchemy_problem from None
        raise
    described = _other_orm(here, target, spec)
    if described is None:
        if sqlalchemy_problem is not None and sqlalchemy_problem.kind == "too_old":
            raise sqlalchemy_problem
        if sqlalchemy_problem is not None:
            raise _not_models(target, spec)
        described = _sqlalchemy([(spec, target)], spec)
    return described


def _sqlalchemy_problem() -> ExportError | None:
    """Why this environment's SQLAlchemy cannot compile models, or ``None`` when it can (or is unused)."""
    try:
        import sqlalchemy
    except ImportError:
        return ExportError("no_sqlalchemy", "SQLAlchemy is not installed in this environment")
    version = str(sqlalchemy.__version__)
    if _version_tuple(version) < (1, 3):
        return ExportError("too_old", f"SQLAlchemy {version} is older than 1.3")
    return None


def _other_orm(here: str, target: Any, spec: str) -> dict[str, Any] | None:
    """Tortoise, Peewee or Django models, by the module the project imported; ``None`` for SQLAlchemy."""
    import importlib.util

    if _tortoise_config(target) and "tortoise" not in sys.modules:
        try:
            import tortoise  # noqa: F401 - a settings module holds the config without importing Tortoise
        except ImportError:
            raise ExportError(
                "no_orm", f"`{spec}` is a Tortoise ORM config but tortoise-orm is not installed there"
            ) from None
    # A Django settings module need not import Django: its INSTALLED_APPS says what it is.
    settings = isinstance(getattr(target, "INSTALLED_APPS", None), (list, tuple))
    for orm in ("tortoise", "peewee", "django"):
        if orm not in sys.modules and not (orm == "django" and settings):
            continue
        # Loaded by path under a private name: the exporter's folder is not on sys.path.
        location = os.path.join(here, f"_export_{orm}.py")
        loader = importlib.util.spec_from_file_location("_pgwarden_export_" + orm, location)
        if loader is None or loader.loader is None:
            continue
        module = importlib.util.module_from_spec(loader)
        loader.loader.exec_module(module)
        found = module.describe(target, spec, ExportError)
        if found is not None:
            return found  # type: ignore[no-any-return]
    return None


def _tortoise_config(target: Any) -> bool:
    """Whether ``target`` is (or a module holding) a ``TORTOISE_ORM``-style dict, as aerich reads it."""
    if isinstance(target, type(sys)):
        target = getattr(target, "TORTOISE_ORM", None)
    return isinstance(target, dict) and isinstance(target.get("apps"), dict)


def _not_models(target: Any, spec: str) -> ExportError:
    return ExportError(
        "not_metadata",
        f"`{spec}` is a {type(target).__name__}, not a SQLAlchemy MetaData or declarative Base, "
        "nor Tortoise, Peewee or Django models",
    )


def _sqlalchemy(targets: list[tuple[str, Any]], spec: str) -> dict[str, Any]:
    import sqlalchemy

    metadatas = []  # type: list[Any]
    for part, target in targets:
        metadata = _metadata_of(target)
        if metadata is None:
            raise _not_models(target, part)
        if not metadata.tables:
            raise ExportError("no_tables", f"`{part}` has no tables")
        if all(metadata is not m for m in metadatas):
            metadatas.append(metadata)
    if not metadatas:
        raise ExportError(
            "not_metadata", f"`{spec}` names no MetaData or declarative Base (module:attribute)"
        )
    from sqlalchemy.orm import configure_mappers

    try:
        # Abstract and concrete bases add their tables and columns only once mappers are configured.
        configure_mappers()
    except Exception as exc:  # noqa: BLE001 - any error the user's mappings raise
        raise ExportError("mappers", f"configuring the mappers failed: {_first_line(exc)}") from None
    return {
        "orm": f"SQLAlchemy {sqlalchemy.__version__}",
        "schemas": sorted(set().union(*map(_schemas, metadatas))),
        "ddl": [d for m in metadatas for d in _ddl(m)],
        "columns": [c for m in metadatas for c in _sibling("columns").columns(m)],
    }


def _sibling(name: str) -> Any:
    """``_export_{name}.py`` beside this file, loaded by path: this folder is not on ``sys.path``."""
    import importlib.util

    location = os.path.join(os.path.dirname(os.path.abspath(__file__)), f"_export_{name}.py")
    loader = importlib.util.spec_from_file_location("_pgwarden_export_" + name, location)
    module = importlib.util.module_from_spec(loader)  # type: ignore[arg-type]
    loader.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _version_tuple(version: str) -> tuple:  # type: ignore[type-arg]
    parts = []
    for piece in version.split(".")[:2]:
        digits = "".join(c for c in piece if c.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return "{}: {}".format(type(exc).__name__, text.splitlines()[0] if text else "(no message)")


def _import(module_name: str, attr: str, parent: bool = False) -> Any:
    import importlib

    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        missing = exc.name or module_name
        if parent and missing == module_name and "." in module_name:  # `from app.models import user_table`
            return _import(module_name.rpartition(".")[0], "")
        if missing == module_name or module_name.startswith(missing + "."):
            raise ExportError("no_module", f"no module named `{missing}`") from None
        raise ExportError("import", _where(exc)) from None
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - whatever the user's module raises
        if type(exc).__name__ in ("AppRegistryNotReady", "ImproperlyConfigured") and "django" in sys.modules:
            raise ExportError("django_setup", f"`{module_name}` needs Django set up first ({exc})") from None
        raise ExportError("import", _where(exc)) from None
    obj: Any = module
    for part in attr.split(".") if attr else ():
        try:
            obj = getattr(obj, part)
        except AttributeError:
            # `from app import models` in env.py binds a submodule its package need not import itself.
            if not hasattr(obj, "__path__"):
                raise ExportError("attribute", f"`{module_name}` has no attribute `{part}`") from None
            try:
                obj = importlib.import_module(f"{obj.__name__}.{part}")
            except ModuleNotFoundError:
                raise ExportError("attribute", f"`{module_name}` has no attribute `{part}`") from None
    return obj


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = ""
    if isinstance(exc, SyntaxError) and exc.filename:
        where = f" at {exc.filename}:{exc.lineno}"
    elif frames:
        where = f" at {frames[-1].filename}:{frames[-1].lineno}"
    return f"importing it raised {_first_line(exc)}{where}"


def _metadata_of(obj: Any) -> Any:
    if "sqlalchemy" not in sys.modules:
        return None
    from sqlalchemy import MetaData

    if isinstance(obj, MetaData):
        return obj
    try:
        metadata = getattr(obj, "metadata", None)
    except Exception:  # noqa: BLE001 - a property on the user's object may raise anything
        return None
    return metadata if isinstance(metadata, MetaData) else None


def _project_files(root: str) -> list[str]:
    """The project's own source files imported so far (not installed packages): the cache key."""
    base = os.path.realpath(root)
    prefixes = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    files = set()
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or not path.endswith(".py"):
            continue
        real = os.path.realpath(path)
        if not real.startswith(base + os.sep) or "site-packages" in real:
            continue
        if any(real.startswith(p + os.sep) for p in prefixes):
            continue
        files.add(real)
    return sorted(files)


def _schemas(metadata: Any) -> set:  # type: ignore[type-arg]
    names = {t.schema for t in metadata.tables.values() if t.schema}
    if metadata.schema:
        names.add(metadata.schema)
    for table in metadata.tables.values():
        for column in table.columns:
            for thing in (column.type, column.default):
                schema = getattr(thing, "schema", None)
                if isinstance(schema, str):
                    names.add(schema)
    return names


def _mock_engine(executor: Any) -> Any:
    try:
        from sqlalchemy import create_mock_engine  # 1.4 and later
    except ImportError:
        from sqlalchemy import create_engine

        return create_engine("postgresql://", strategy="mock", executor=executor)
    return create_mock_engine("postgresql://", executor)


def _ddl(metadata: Any) -> list[dict[str, str]]:
    """Every statement ``metadata.create_all`` sends to PostgreSQL, compiled by this SQLAlchemy."""
    statements: list[dict[str, str]] = []
    holder: list[Any] = []

    def executor(clause: Any, *_multiparams: Any, **_params: Any) -> None:
        text = str(clause.compile(dialect=holder[0].dialect)).strip()
        if text:
            statements.append({"what": _describe(clause), "sql": text})

    engine = _mock_engine(executor)
    holder.append(engine)
    try:
        metadata.create_all(engine, checkfirst=False)
    except Exception as exc:  # noqa: BLE001 - a type the PostgreSQL dialect cannot write, a bad DDL event
        raise ExportError("compile", f"compiling the DDL failed: {_first_line(exc)}") from None
    return statements


def _describe(clause: Any) -> str:
    """What a DDL construct creates, for error messages: ``table app.jobs``."""
    from sqlalchemy import Index, Table

    target: Any = getattr(clause, "element", None)
    if isinstance(target, Table):
        return f"table {_qual(target)}"
    if isinstance(target, Index) and isinstance(getattr(target, "table", None), Table):
        return f"index {target.name} on table {_qual(target.table)}"
    name = getattr(target, "name", None)
    if isinstance(getattr(target, "table", None), Table) and isinstance(name, str):
        return f"the comment on column {_qual(target.table)}.{name}"
    if hasattr(target, "enums") and isinstance(name, str):
        schema = getattr(target, "schema", None)
        return "enum type {}{}".format(schema + "." if schema else "", name)
    if isinstance(name, str):
        schema = getattr(target, "schema", None)
        return "{} {}{}".format(type(target).__name__.lower(), schema + "." if schema else "", name)
    statement = getattr(clause, "statement", None)
    if isinstance(statement, str):
        return "DDL `{}`".format(" ".join(statement.split())[:80])
    return "the tables"


def _qual(table: Any) -> str:
    return "{}.{}".format(table.schema or "public", table.name)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
