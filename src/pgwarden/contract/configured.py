"""The expected-schema sources a configuration names, loaded the same way for every command."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from .._projectio import import_root
from ..config import Config
from ..errors import SourceError
from ..migrate.source import show_path
from ..scratch import Scratch
from . import migrations as migrations_source
from . import schema_cache
from . import snapshot as snapshot_source
from .expected import MODEL_OBJECT_TYPES, Expected
from .interpreter import Interpreter, find_interpreter
from .project_models import load_exported

__all__ = ["load_configured", "load_configured_models", "load_models"]


def load_configured_models(cfg: Config, scratch: Scratch | Callable[[], Scratch]) -> Expected:
    """The models ``cfg.models`` names, applied to ``scratch`` with the extensions ``[[expect.extensions]]`` declares.

    They load in the project's interpreter (``python``, else its virtualenv, Poetry or uv
    environment) when it has one apart from pgwarden's; else in pgwarden's own process.
    """
    assert cfg.models is not None
    if cfg.models_from is None:
        return _load_models(cfg, scratch)
    try:
        return _load_models(cfg, scratch)
    except SourceError as exc:
        # The user never wrote this spec: say where it came from and how to choose another.
        raise SourceError(
            f"{exc} (`{cfg.models}` is the `target_metadata` of {show_path(cfg.models_from)}; set `models` in "
            f"{cfg.where} to name the models yourself)."
        ) from None


def _load_models(cfg: Config, scratch: Scratch | Callable[[], Scratch]) -> Expected:
    assert cfg.models is not None
    interpreter = find_interpreter(cfg.root, cfg.python)
    if interpreter is not None and not interpreter.is_own:
        # The project's own Python, SQLAlchemy and packages: pgwarden's are never imposed on it.
        return load_exported(
            cfg.models,
            scratch,
            root=cfg.root,
            interpreter=interpreter,
            schemas=cfg.schemas,
            ignore=cfg.ignore,
            extensions=[e.name for e in cfg.expect.extensions],
        )
    try:
        return load_models(
            cfg.models,
            scratch,
            root=cfg.root,
            schemas=cfg.schemas,
            ignore=cfg.ignore,
            extensions=[e.name for e in cfg.expect.extensions],
        )
    except SourceError as exc:
        from .models import OtherModels  # imported by load_models already

        if not isinstance(exc, OtherModels):
            raise
    # Tortoise or Peewee models in pgwarden's own environment: the exporter reads them here too.
    return load_exported(
        cfg.models,
        scratch,
        root=cfg.root,
        interpreter=Interpreter(Path(sys.executable), "pgwarden's own interpreter"),
        schemas=cfg.schemas,
        ignore=cfg.ignore,
        extensions=[e.name for e in cfg.expect.extensions],
    )


def load_models(
    spec: str,
    scratch: Scratch | Callable[[], Scratch],
    *,
    root: Path,
    schemas: Sequence[str] = (),
    ignore: Sequence[str] = (),
    extensions: Sequence[str] = (),
) -> Expected:
    """``models.load`` in pgwarden's process, or what it gave before for the same models: same
    settings, same SQLAlchemy and interpreter, and every project module the import read unchanged."""
    server = schema_cache.server_of(scratch) if schema_cache.enabled() else None
    entry_key = None
    if server is not None:
        sqlalchemy = importlib.util.find_spec("sqlalchemy")
        origin = Path(sqlalchemy.origin) if sqlalchemy is not None and sqlalchemy.origin else None
        inputs = {
            "spec": spec,
            "root": str(root.resolve()),
            "python": sys.executable,
            "sqlalchemy": [str(origin), *_stamp(origin)] if origin else None,
            "schemas": list(schemas),
            "ignore": list(ignore),
            "extensions": list(extensions),
        }
        entry_key = schema_cache.key("models", server, inputs)
        hit = schema_cache.load(entry_key)
        if hit is not None:
            return Expected(
                label=spec,
                kind="models",
                schema=hit.schema,
                attributes=dict(hit.attributes),
                covers=MODEL_OBJECT_TYPES,
            )
    _prestart(scratch)  # the cluster starts while SQLAlchemy and the models import
    from .models import load  # imports SQLAlchemy (~0.2 s): only when models are set

    imported: list[str] = []
    given = scratch if isinstance(scratch, Scratch) else scratch()
    found = load(
        spec, given, root=root, schemas=schemas, ignore=ignore, extensions=extensions, imported=imported
    )
    files = schema_cache.project_files(import_root(root, spec.partition(":")[0]), imported)
    # No project file read means nothing that could tell a changed model: such models are not kept.
    if entry_key is not None and files:
        schema_cache.store(entry_key, schema_cache.Entry(found.schema, found.attributes), files=files)
    return found


def _prestart(scratch: Scratch | Callable[[], Scratch]) -> None:
    """Let a lazy scratch (``LazyScratch``) start its cluster in the background now."""
    prestart = getattr(scratch, "prestart", None)
    if callable(prestart):
        prestart()


def _stamp(path: Path) -> tuple[int, int]:
    try:
        st = os.stat(path)
    except OSError:
        return (0, 0)
    return (st.st_size, st.st_mtime_ns)


def load_configured(cfg: Config, scratch: Callable[[], Scratch]) -> list[Expected]:
    """Every expected-schema source the configuration names (``scratch`` is called only when one needs it)."""
    sources: list[Expected] = []
    if cfg.models:
        sources.append(load_configured_models(cfg, scratch))
    if cfg.migrations:
        sources.append(
            migrations_source.load(cfg.migrations, scratch, schemas=cfg.schemas, ignore=cfg.ignore)
        )
    if cfg.snapshot and cfg.snapshot.exists():
        sources.append(snapshot_source.load(cfg.snapshot, schemas=cfg.schemas, ignore=cfg.ignore))
    return sources
