"""``Risk``: a statement's way of losing rows, as the data guard's parser reads it (``guard``)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Risk"]


@dataclass(frozen=True)
class Risk:
    action: str
    """``DROP TABLE``, ``DROP SCHEMA … CASCADE``, ``TRUNCATE``, ``DROP COLUMN``, ``DELETE without WHERE``,
    ``UPDATE without WHERE`` or ``ALTER COLUMN … TYPE``."""
    schema: str | None
    """As written; ``None`` when the name is unqualified (resolved by ``search_path`` at run time)."""
    name: str
    """The table (or, for ``DROP SCHEMA``, the schema)."""
    column: str | None = None
    new_type: str | None = None
    """For a type change: the new type as SQL."""
    using: str | None = None
    """For a type change: the ``USING`` expression as SQL, if any."""

    @property
    def label(self) -> str:
        table = f"{self.schema}.{self.name}" if self.schema else self.name
        return f"{table}.{self.column}" if self.column else table
