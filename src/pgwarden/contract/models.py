"""SQLAlchemy models as a schema source: ``metadata.create_all`` on a scratch database, then inspect.

Letting PostgreSQL build the tables makes every type, default and constraint
name exactly what the server prints for the live database too, so formatting
is never reported as drift.
"""

from __future__ import annotations

import contextlib
import difflib
import importlib
import importlib.util
import sys
import traceback
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Column, Constraint, Index, MetaData, Table, create_engine, event
from sqlalchemy import Sequence as SequenceDefault
from sqlalchemy.engine import make_url
from sqlalchemy.exc import CompileError, DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Mapper, registry
from sqlalchemy.pool import NullPool
from sqlalchemy.schema import DDL, ExecutableDDLElement

from ..catalog import inspect
from ..db import connect
from ..diff import CLASSIC_SUFFIX
from ..errors import SourceError
from ..migrate.apply import server_message
from ..scratch import Scratch
from ._importing import importing as _importing
from .expected import MODEL_OBJECT_TYPES, Expected
from .integer_keys import AUTO_SUFFIX
from .project_models import prepare

__all__ = ["OtherModels", "find_metadata", "load"]


class OtherModels(SourceError):
    """``models`` names no SQLAlchemy MetaData but may name another ORM's: the exporter is asked next."""


def load(
    spec: str,
    scratch: Scratch,
    *,
    root: Path,
    schemas: Sequence[str] = (),
    ignore: Sequence[str] = (),
    extensions: Sequence[str] = (),
    imported: list[str] | None = None,
) -> Expected:
    """The schema the models at ``spec`` (``module:attr``) create, imported with ``root`` first on the path.

    ``extensions`` are created on the scratch database before the tables, for
    server defaults that call extension functions (``uuid_generate_v4()``).
    ``imported``, when given, receives the files of the modules importing the models added
    (what a cached result depends on).
    """
    targets = _parse_all(spec)
    # A print() in the project's settings or models goes to stderr: stdout is pgwarden's (--format json).
    with contextlib.ExitStack() as stack:
        for module_name in {m.partition(".")[0]: m for m, _ in targets}.values():
            stack.enter_context(_importing(module_name, root))
        stack.enter_context(contextlib.redirect_stdout(sys.stderr))
        before = set(sys.modules)
        # Every module first (an env.py imports the models' modules for their tables), then the metadata.
        found = [(m, a, _import(_module_of(m) if not a else m, a, spec, root)) for m, a in targets]
        if imported is not None:
            added = (getattr(m, "__file__", None) for n, m in list(sys.modules.items()) if n not in before)
            imported.extend(f for f in added if isinstance(f, str))
        metadatas: list[MetaData] = []
        for module_name, attr, target in found:
            metadata = find_metadata(target, f"{module_name}:{attr}") if attr else None
            if metadata is not None and all(metadata is not m for m in metadatas):
                metadatas.append(metadata)
        _configure_mappers(spec)
        attributes = {k: v for md in metadatas for k, v in _attributes(md).items()}
        url = scratch.create_database("models")
        try:
            prepare(url, set().union(*map(_schemas_named, metadatas)), spec, extensions)
            for (
                metadata
            ) in metadatas:  # in the order given: a later one's tables may reference an earlier one's
                _create_all(url, metadata, spec)
            with connect(url, what="scratch database") as conn:
                schema = inspect(conn, schemas=schemas, ignore=ignore)
        finally:
            scratch.drop_database(url)
    return Expected(
        label=spec,
        kind="models",
        schema=schema,
        attributes=attributes,
        covers=MODEL_OBJECT_TYPES,
    )


# --- importing -------------------------------------------------------------------------


def _parse_all(spec: str) -> list[tuple[str, str]]:
    """``module:attr``, or several separated by commas (an ``env.py``'s ``target_metadata`` list), where a
    bare ``module`` is imported only for the tables it defines; at least one names a MetaData or Base."""
    parts = [p.strip() for p in spec.split(",") if p.strip()]
    if len(parts) <= 1:
        return [_parse(spec)]
    out = [_parse(p) if ":" in p else (p, "") for p in parts]
    if not any(attr for _, attr in out):
        _parse(spec)  # raises: nothing names the metadata
    return out


def _parse(spec: str) -> tuple[str, str]:
    module_name, sep, attr = spec.strip().partition(":")
    if not sep or not module_name or not attr:
        raise OtherModels(
            f"Models `{spec}` must be written module:attribute, e.g. `app.db:Base` or `app.models:metadata`."
        )
    return module_name, attr


def _import(module_name: str, attr: str, spec: str, root: Path) -> Any:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        missing = exc.name or module_name
        if missing == module_name or module_name.startswith(missing + "."):
            raise SourceError(
                f"Cannot import models module `{module_name}` (from `{spec}`): no module named `{missing}` "
                f"in {root} (first on the Python path) or elsewhere on the path; fix `models` in the config "
                "or run pgwarden from the project folder."
            ) from None
        raise SourceError(_import_failed(module_name, exc)) from None
    except (Exception, SystemExit) as exc:  # any error the user's module raises while importing
        raise SourceError(_import_failed(module_name, exc)) from None
    obj: Any = module
    for i, part in enumerate(attr.split(".") if attr else []):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            # `from app import models` in env.py binds a submodule its package need not import itself.
            sub = _submodule(obj, part)
            if sub is None:
                owner = module_name if i == 0 else f"{module_name}:{'.'.join(attr.split('.')[:i])}"
                raise SourceError(_no_attribute(owner, part, obj, module)) from None
            obj = sub
    return obj


def _module_of(name: str) -> str:
    """``name`` when it is a module, else its parent (``from app.models import user_table`` in env.py)."""
    parent = name.rpartition(".")[0]
    try:
        if parent and importlib.util.find_spec(name) is None:
            return parent
    except Exception:  # noqa: BLE001 - the parent raised while importing: `_import` says so, naming it
        pass
    return name


def _submodule(obj: Any, name: str) -> Any:
    if not isinstance(obj, types.ModuleType) or not hasattr(obj, "__path__"):
        return None
    try:
        return importlib.import_module(f"{obj.__name__}.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"{obj.__name__}.{name}":
            return None
        raise


def _import_failed(module_name: str, exc: BaseException) -> str:
    where = ""
    if isinstance(exc, SyntaxError) and exc.filename:
        where = f" at {exc.filename}:{exc.lineno}"
    else:
        frames = traceback.extract_tb(exc.__traceback__)
        if frames:
            where = f" at {frames[-1].filename}:{frames[-1].lineno}"
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else "(no message)"
    return (
        f"Importing models module `{module_name}` raised {type(exc).__name__}: {message}{where}; "
        "fix the module so it imports cleanly (pgwarden imports it as your service does, with the "
        "same environment variables and installed packages)."
    )


def _no_attribute(owner: str, name: str, obj: Any, module: Any) -> str:
    names = [n for n in dir(obj) if not n.startswith("__")]
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    if close:
        aside = f" (did you mean {' or '.join(f'`{c}`' for c in close)}?)"
    else:
        candidates = _candidates(module)
        aside = f" (it defines {', '.join(f'`{c}`' for c in candidates)})" if candidates else ""
    return (
        f"Models module `{owner}` has no attribute `{name}`{aside}: point `models` at your MetaData "
        "or declarative Base, written module:attribute."
    )


def _candidates(module: Any) -> list[str]:
    """Names in ``module`` that hold a MetaData or something with one (a declarative Base)."""
    found = []
    for name, value in sorted(vars(module).items()) if hasattr(module, "__dict__") else ():
        if name.startswith("_"):
            continue
        # A declarative Base has a metadata but, unlike the classes mapped from it, no mapper.
        is_base = (
            isinstance(value, type) and not hasattr(value, "__mapper__") and _metadata_of(value) is not None
        )
        if isinstance(value, MetaData) or is_base:
            found.append(f"{getattr(module, '__name__', '?')}:{name}")
    return found[:5]


def _metadata_of(obj: Any) -> MetaData | None:
    if isinstance(obj, MetaData):
        return obj
    try:
        metadata = getattr(obj, "metadata", None)
    except Exception:  # noqa: BLE001 - a property on the user's object may raise anything
        return None
    return metadata if isinstance(metadata, MetaData) else None


def find_metadata(obj: Any, spec: str) -> MetaData:
    """The ``MetaData`` of ``obj`` (a MetaData, a declarative Base, a registry), else ``SourceError``."""
    metadata = _metadata_of(obj)
    if metadata is None:
        what = f"the class {obj.__qualname__}" if isinstance(obj, type) else f"a {type(obj).__qualname__}"
        module = sys.modules.get(spec.partition(":")[0])
        candidates = _candidates(module) if module is not None else []
        also = f" (this module has {', '.join(f'`{c}`' for c in candidates)})" if candidates else ""
        other = any(name in sys.modules for name in ("tortoise", "peewee", "django"))
        raise (OtherModels if other or isinstance(obj, dict) else SourceError)(
            f"Models `{spec}` is {what}, not a SQLAlchemy MetaData or declarative Base; point `models` "
            f"at one{also}."
        )
    if not metadata.tables:
        raise SourceError(
            f"Models `{spec}` has no tables: point `models` at the Base your model classes inherit from, "
            "in a module that imports every module defining them."
        )
    return metadata


def _configure_mappers(spec: str) -> None:
    """Abstract and concrete bases add their tables and columns only once mappers are configured."""
    from sqlalchemy.orm import configure_mappers

    try:
        configure_mappers()
    except Exception as exc:  # noqa: BLE001 - any error the user's mappings raise
        raise SourceError(
            f"Models `{spec}`: configuring the mappers failed: {type(exc).__name__}: "
            f"{str(exc).strip().splitlines()[0] if str(exc).strip() else '(no message)'}; fix the mapping "
            "so `sqlalchemy.orm.configure_mappers()` succeeds."
        ) from None


def _attributes(metadata: MetaData) -> dict[str, str]:
    """``schema.table.column`` -> ``Class.attribute`` for every mapped column of ``metadata``."""
    mappers: list[Mapper[Any]] = []
    for reg in _registries():
        mappers.extend(reg.mappers)
    # Base classes first, so an inherited column is named after the class that declares it.
    mappers.sort(key=lambda m: (len(m.class_.__mro__), m.class_.__qualname__))
    owned = set(map(id, metadata.tables.values()))
    attributes: dict[str, str] = {}
    for table in metadata.tables.values():
        implied = table._autoincrement_column  # the column create_all gives a sequence (serial)
        if isinstance(implied, Column):
            key = f"{table.schema or 'public'}.{table.name}.{implied.name}{AUTO_SUFFIX}"
            attributes[key] = "explicit" if implied.autoincrement is True else "auto"
    for mapper in mappers:
        for key, column in mapper.columns.items():
            if not isinstance(column, Column) or not isinstance(column.table, Table):
                continue
            if id(column.table) not in owned:
                continue
            table = column.table
            qualname = f"{table.schema or 'public'}.{table.name}.{column.name}"
            attributes.setdefault(qualname, f"{mapper.class_.__name__}.{key}")
            if not _annotated(mapper.class_, key):  # so a rename hint shows Column(...), not mapped_column
                attributes.setdefault(f"{qualname}{CLASSIC_SUFFIX}", "Column")
    return attributes


def _annotated(cls: type, key: str) -> bool:
    """Whether ``key`` is declared ``Mapped[...]`` on ``cls`` or a base (2.0 style)."""
    for klass in cls.__mro__:
        annotation = vars(klass).get("__annotations__", {}).get(key)
        if annotation is not None:
            return "Mapped" in str(annotation)
    return False


def _registries() -> list[registry]:
    try:
        from sqlalchemy.orm.mapper import _all_registries
    except ImportError:  # pragma: no cover - SQLAlchemy moved its private registry list
        return []
    return sorted(_all_registries(), key=id)


# --- building --------------------------------------------------------------------------


def _schemas_named(metadata: MetaData) -> set[str]:
    names = {t.schema for t in metadata.tables.values() if t.schema}
    if metadata.schema:
        names.add(metadata.schema)
    for table in metadata.tables.values():
        for column in table.columns:
            for thing in (column.type, column.default):
                schema = getattr(thing, "schema", None)
                if isinstance(schema, str):
                    names.add(schema)
    for seq in metadata._sequences.values():
        if isinstance(seq, SequenceDefault) and seq.schema:
            names.add(seq.schema)
    return names


def _create_all(url: str, metadata: MetaData, spec: str) -> None:
    engine = create_engine(make_url(url).set(drivername="postgresql+psycopg"), poolclass=NullPool)
    current = ["the tables"]

    def remember(_conn: Any, clause: Any, *_args: Any) -> None:
        current[0] = _describe(clause)

    event.listen(engine, "before_execute", remember)
    try:
        with engine.begin() as conn:
            metadata.create_all(conn)
    except DBAPIError as exc:
        advice = "Fix the model so that metadata.create_all() works on an empty database"
        orig = exc.orig
        if isinstance(orig, psycopg.Error) and orig.sqlstate in ("42883", "42704"):
            advice = (
                "If it comes from an extension, declare the extension under [[expect.extensions]] so "
                "pgwarden installs it first (or create it in a before_create DDL event on the metadata)"
            )
        message = server_message(orig) if isinstance(orig, psycopg.Error) else str(exc).splitlines()[0]
        raise SourceError(
            f"Models `{spec}`: creating {current[0]} on a scratch database failed: {message}. {advice}."
        ) from None
    except CompileError as exc:
        raise SourceError(
            f"Models `{spec}`: {current[0]} cannot be written as PostgreSQL DDL: {exc}; use types the "
            "PostgreSQL dialect knows."
        ) from None
    except SQLAlchemyError as exc:
        raise SourceError(f"Models `{spec}`: metadata.create_all() failed at {current[0]}: {exc}.") from None
    finally:
        engine.dispose()


def _describe(clause: Any) -> str:
    """What a DDL construct creates, for error messages: ``table app.jobs``."""
    target = getattr(clause, "element", None)
    if isinstance(target, Table):
        return f"table {_qual(target)}"
    if isinstance(target, Index) and isinstance(target.table, Table):
        return f"index {target.name} on table {_qual(target.table)}"
    if isinstance(target, Constraint) and isinstance(target.table, Table):
        return f"constraint {target.name or '(unnamed)'} on table {_qual(target.table)}"
    if isinstance(clause, DDL):
        return f"DDL `{' '.join(clause.statement.split())[:80]}`"
    name = getattr(target, "name", None)
    if isinstance(clause, ExecutableDDLElement) and isinstance(name, str):
        kind = type(target).__name__.lower()
        schema = getattr(target, "schema", None)
        return f"{kind} {schema + '.' if schema else ''}{name}"
    return "the tables"


def _qual(table: Table) -> str:
    return f"{table.schema or 'public'}.{table.name}"
