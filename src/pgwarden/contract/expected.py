"""``Expected``: the schema one source says the database should have, and what that source covers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from ..catalog.model import OBJECT_TYPES, Schema

SourceKind = Literal["database", "models", "migrations", "snapshot"]

ALL_OBJECT_TYPES: frozenset[str] = frozenset(OBJECT_TYPES)
"""Every object type a ``Schema`` holds."""

MODEL_OBJECT_TYPES: frozenset[str] = frozenset(
    {"schema", "table", "column", "index", "constraint", "enum", "sequence"}
)
"""What SQLAlchemy models can describe; the diff must not call the rest "extra"."""


@dataclass(frozen=True)
class Expected:
    """The schema one source says the database should have, and what that source can speak about."""

    label: str
    """How messages name the source: ``app.db:Base``, ``migrations``, ``bot@host:5432/app``."""
    kind: SourceKind
    schema: Schema
    attributes: Mapping[str, str] = field(default_factory=dict, hash=False)
    """``schema.table.column`` -> ``ModelClass.attr`` (models only), for fixes that edit the model."""
    covers: frozenset[str] = ALL_OBJECT_TYPES
    """Object types this source describes; objects of other types are neither missing nor extra."""
    heads: tuple[str, ...] = ()
    """The head revision(s) of an Alembic chain (migrations only): a user thinks in revisions, not folders."""
    bookkeeping: tuple[str, ...] = ()
    """``ignore`` patterns of the tool's own ledger this source leaves out (``*.alembic_version``): a
    comparison leaves them out of the other side too, or a live database's ledger reads as drift."""

    @property
    def name(self) -> str:
        """The label, with an Alembic chain's head: ``alembic.ini (Alembic head e2d8a1f4b905)``."""
        return f"{self.label} ({alembic_heads(self.heads)})" if self.heads else self.label


def alembic_heads(heads: Sequence[str]) -> str:
    """``Alembic head e2d8a1f4b905``, or ``Alembic heads a1, b2`` for a chain with unmerged branches."""
    return f"Alembic head{'s' if len(heads) > 1 else ''} {', '.join(heads)}"
