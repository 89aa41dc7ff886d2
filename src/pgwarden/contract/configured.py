"""The expected-schema sources a configuration names, loaded the same way for every command."""

from __future__ import annotations

from collections.abc import Callable

from ..config import Config
from ..scratch import Scratch
from . import migrations as migrations_source
from . import snapshot as snapshot_source
from .expected import Expected
from .interpreter import find_interpreter
from .project_models import load_exported

__all__ = ["load_configured", "load_configured_models"]


def load_configured_models(cfg: Config, scratch: Scratch) -> Expected:
    """The models ``cfg.models`` names, applied to ``scratch`` with the extensions ``[[expect.extensions]]`` declares.

    They load in the project's interpreter (``python``, else its virtualenv, Poetry or uv
    environment) when it has one apart from pgwarden's; else in pgwarden's own process.
    """
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
    from .models import load  # imports SQLAlchemy (~0.2 s): only when models are set

    return load(
        cfg.models,
        scratch,
        root=cfg.root,
        schemas=cfg.schemas,
        ignore=cfg.ignore,
        extensions=[e.name for e in cfg.expect.extensions],
    )


def load_configured(cfg: Config, scratch: Callable[[], Scratch]) -> list[Expected]:
    """Every expected-schema source the configuration names (``scratch`` is called only when one needs it)."""
    sources: list[Expected] = []
    if cfg.models:
        sources.append(load_configured_models(cfg, scratch()))
    if cfg.migrations:
        sources.append(
            migrations_source.load(cfg.migrations, scratch(), schemas=cfg.schemas, ignore=cfg.ignore)
        )
    if cfg.snapshot and cfg.snapshot.exists():
        sources.append(snapshot_source.load(cfg.snapshot, schemas=cfg.schemas, ignore=cfg.ignore))
    return sources
