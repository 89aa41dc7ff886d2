"""Typed changes of the object kinds added for completeness: collations and composite types.

They follow ``changes``: ``expected`` / ``actual`` hold the model objects, ``None`` on the
side where the object is absent; the SQL that fixes one turns ACTUAL into EXPECTED.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ..catalog.kinds import Collation, CompositeType, DefaultPrivilege, Grant, Owner
from ..catalog.model import ObjectType
from .changes import Change, ColumnUse


@dataclass(frozen=True)
class CollationChange(Change):
    object_type: ClassVar[ObjectType] = "collation"
    expected: Collation | None
    actual: Collation | None
    uses: tuple[ColumnUse, ...] = ()
    """Columns that keep this collation: moved onto the new definition when it is recreated."""

    @property
    def object(self) -> str:
        present = self.expected or self.actual
        return present.qualname if present is not None else ""


@dataclass(frozen=True)
class CompositeTypeChange(Change):
    object_type: ClassVar[ObjectType] = "composite_type"
    expected: CompositeType | None
    actual: CompositeType | None

    @property
    def object(self) -> str:
        present = self.expected or self.actual
        return present.qualname if present is not None else ""


@dataclass(frozen=True)
class GrantChange(Change):
    """A privilege granted on one side only (a changed grant option is one missing, one extra)."""

    object_type: ClassVar[ObjectType] = "grant"
    expected: Grant | None
    actual: Grant | None

    @property
    def object(self) -> str:
        present = self.expected or self.actual
        return present.qualname if present is not None else ""


@dataclass(frozen=True)
class OwnerChange(Change):
    object_type: ClassVar[ObjectType] = "owner"
    expected: Owner | None
    actual: Owner | None

    @property
    def object(self) -> str:
        present = self.expected or self.actual
        return present.object if present is not None else ""


@dataclass(frozen=True)
class DefaultPrivilegeChange(Change):
    """A departure from the server's default privileges (``ALTER DEFAULT PRIVILEGES``) on one side
    only: reported as a missing or extra grant, since it decides the grants of the next new table."""

    object_type: ClassVar[ObjectType] = "grant"
    expected: DefaultPrivilege | None
    actual: DefaultPrivilege | None

    @property
    def object(self) -> str:
        present = self.expected or self.actual
        return present.qualname if present is not None else ""
