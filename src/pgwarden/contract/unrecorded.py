"""What the models have that no migration creates yet: the body of the next migration.

The models' schema and the schema the migrations build (the chain's head for Alembic) are
compared with pgwarden's own diff; where the models are ahead (an object or a column they
have, an attribute they have otherwise) the statements that bring the migrations there are
planned in dependency order. What only the migrations have is not dropped: a migration that
loses data is the author's decision, so it is listed as a comment. An implicit autoincrement
key (a Telegram id as ``BigInteger`` primary key) never gets a sequence.
"""

from __future__ import annotations

from collections.abc import Callable

from ..catalog import Schema, inspect
from ..config import Config
from ..db import connect
from ..diff import Change, diff, plan, to_findings
from ..migrate.alembic_new import Statement
from ..migrate.alembic_scripts import is_alembic, load_chain
from ..scratch import Scratch
from . import integer_keys
from .configured import load_configured_models
from .expected import Expected
from .migrations import load as load_migrations

__all__ = ["from_models", "model_statements"]


def _models_ahead(kind: str) -> bool:
    """The models have it and the migrations do not, or have it otherwise (never a drop)."""
    return not kind.startswith("extra_")


def model_statements(models: Expected, migrations: Expected) -> list[Statement]:
    """The statements turning the migrations' schema into the models' (drops as commented notes)."""
    changes = [c for c in diff(models.schema, migrations.schema) if c.object_type in models.covers]
    pairs = [(c, f) for c in changes for f in to_findings([c], attributes=models.attributes)]
    softened = integer_keys.soften(pairs, models.attributes, "the migrations")
    implicit = {id(c) for c, f in softened if f.evidence.get("autoincrement") == "implicit"}
    kept_ids = {id(c) for c, _ in softened}
    ahead: list[Change] = [
        c for c in changes if id(c) in kept_ids and id(c) not in implicit and _models_ahead(c.kind)
    ]
    out = [Statement(s.sql, destructive=s.destructive) for s in plan(ahead)]
    behind = sorted({c.object for c in changes if not _models_ahead(c.kind)})
    if behind:
        note = (
            "The migrations have what the models do not (not dropped here; change the models or drop it "
            + ("deliberately): " + ", ".join(behind))
        )
        out.insert(0, Statement("", comment=note, destructive=None))
    return out


def _empty(cfg: Config, scratch: Scratch) -> Schema:
    """What a new database already has (``public``, say): a chain with no revisions builds nothing more."""
    url = scratch.create_database("empty")
    try:
        with connect(url, what="scratch database") as conn:
            return inspect(conn, schemas=cfg.schemas, ignore=cfg.ignore)
    finally:
        scratch.drop_database(url)


def from_models(cfg: Config, scratch: Callable[[], Scratch]) -> list[Statement]:
    """``model_statements`` for the configured models and migrations; empty without models."""
    if not cfg.models or cfg.migrations is None:
        return []
    models = load_configured_models(cfg, scratch)
    if is_alembic(cfg.migrations) and not load_chain(cfg.migrations).revisions:
        migrations = Expected(label="no revisions yet", kind="migrations", schema=_empty(cfg, scratch()))
    else:
        migrations = load_migrations(cfg.migrations, scratch, schemas=cfg.schemas, ignore=cfg.ignore)
    return model_statements(models, migrations)
