"""``pgwarden migrate new NAME`` in an Alembic environment: the next revision, prefilled from the models."""

from __future__ import annotations

from typing import Any

from .._alembic_env import unread_note
from ..migrate.alembic_scripts import is_alembic
from ..migrate.source import show_path
from ..scratch import LazyScratch
from ._state import State

__all__ = ["new"]


def new(state: State, name: str, **flags: Any) -> int | None:
    """Write the revision through Alembic; its ``upgrade()`` holds what the models have and the chain's head
    lacks (nothing without models). Prints the file's path; the notes go to stderr. ``None`` when
    ``migrations`` is not an Alembic environment (``migrate new`` then writes an SQL file)."""
    cfg = state.config(**flags)
    if cfg.migrations is None or not is_alembic(cfg.migrations):
        return None
    from ..contract.unrecorded import from_models
    from ..migrate.alembic_new import write_revision

    with LazyScratch(cfg.dev_url) as lazy:
        statements = from_models(cfg, lazy)
    path = write_revision(cfg.migrations, name, statements).path
    state.out.write(f"{show_path(path)}\n")
    runs = sum(1 for s in statements if s.sql.strip() and not s.destructive)
    if not cfg.models:
        note = unread_note(cfg.migrations)
        state.err.write(
            f"{note + ' ' if note else ''}No models: upgrade() is empty; write the revision's operations.\n"
        )
    elif statements:
        state.err.write(
            f"upgrade() holds {runs} statement(s) for what the models have and the chain's head does not; "
            "review it, then `pgwarden migrate up`.\n"
        )
    else:
        state.err.write("the models and the chain's head agree: upgrade() is empty.\n")
    return 0
