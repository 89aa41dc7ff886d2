"""Turning a ``--from``/``--to`` argument (URL, ``models:``, ``migrations:``, snapshot file) into a source."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Config
from ..errors import UsageError
from ..urls import redact
from . import database, snapshot
from .expected import Expected

if TYPE_CHECKING:
    from ..catalog import TableShare
    from ..scratch import Scratch

__all__ = ["FORMS", "is_live", "resolve"]

FORMS = (
    "a database URL (postgresql://, postgres://, postgresql+asyncpg:// or postgresql+psycopg://), "
    "models:MODULE:ATTR (a SQLAlchemy MetaData or declarative Base; a bare models:MODULE for Tortoise, "
    "Peewee or Django settings), migrations:DIR (a folder of "
    "NNN_description.sql files, or an Alembic alembic.ini or script folder), a snapshot file (.json), or one of `db`, `models`, `migrations`, "
    "`snapshot` for the source set in the config"
)

_URL = re.compile(r"postgres(?:ql)?(?:\+[a-z0-9_]+)?://", re.IGNORECASE)


def resolve(
    spec: str, *, cfg: Config, scratch: Callable[[], Scratch], share: TableShare | None = None
) -> Expected:
    """Load the source ``spec`` names; ``scratch`` is called only for models and migrations.

    ``share`` is passed to a live database's inspection (``catalog.TableShare``)."""
    text = spec.strip()
    lowered = text.lower()
    if _URL.match(text):
        return _database(text, cfg, share)
    if lowered.startswith("models:"):
        return _models(text[len("models:") :], cfg, scratch)
    if lowered.startswith("migrations:"):
        folder = text[len("migrations:") :].strip()
        if not folder:
            raise UsageError("`migrations:` needs a folder, e.g. migrations:db/migrations.")
        from . import migrations  # the executor and the schema cache: only for this source

        return migrations.load(_path(folder), scratch, schemas=cfg.schemas, ignore=cfg.ignore)
    if lowered in ("db", "database"):
        url = cfg.db_url()
        assert url is not None  # db_url(required=True) raises instead of returning None
        return _database(url, cfg, share)
    if lowered == "models":
        if not cfg.models:
            raise UsageError(f"`models` is not set{_in(cfg)}: pass models:MODULE:ATTR instead.")
        return _models(cfg.models, cfg, scratch)
    if lowered == "migrations":
        if cfg.migrations is None:
            raise UsageError(f"`migrations` is not set{_in(cfg)}: pass migrations:DIR instead.")
        from . import migrations

        return migrations.load(cfg.migrations, scratch, schemas=cfg.schemas, ignore=cfg.ignore)
    if lowered == "snapshot":
        if cfg.snapshot is None:
            raise UsageError(f"`snapshot` is not set{_in(cfg)}: pass the snapshot file's path instead.")
        return snapshot.load(cfg.snapshot)
    path = _path(text)
    if path.suffix.lower() == ".json" or path.is_file():
        return snapshot.load(path)
    raise UsageError(f"Cannot tell what {redact(text)!r} is: a schema source is {FORMS}.")


def is_live(spec: str) -> bool:
    """Whether ``spec`` names a live database (read without a scratch database)."""
    text = spec.strip()
    return bool(_URL.match(text)) or text.lower() in ("db", "database")


def _database(url: str, cfg: Config, share: TableShare | None = None) -> Expected:
    return database.load(
        url, timeout=cfg.connect_timeout, schemas=cfg.schemas, ignore=cfg.ignore, share=share
    )


def _models(target: str, cfg: Config, scratch: Callable[[], Scratch]) -> Expected:
    text = target.strip()
    module, sep, attr = text.partition(":")
    if not module or (sep and not attr):
        raise UsageError(f"`models:{target}` must be models:MODULE:ATTR, e.g. models:app.db:Base.")
    from .configured import load_configured_models

    # As `check` loads them: in the project's interpreter when it has one (any ORM), else in-process.
    return load_configured_models(replace(cfg, models=text, models_from=None), scratch)


def _in(cfg: Config) -> str:
    return f" in {cfg.path}" if cfg.path else " (no config file found)"


def _path(text: str) -> Path:
    path = Path(text).expanduser()
    return path if path.is_absolute() else Path.cwd() / path
