"""Typed change objects: what differs between an expected and an actual ``Schema``.

One class per object type; ``kind`` is the finding kind of ``codes.py``.
"missing" means present in EXPECTED and absent in ACTUAL, "extra" the reverse;
the SQL that fixes a change always turns ACTUAL into EXPECTED. ``expected`` and
``actual`` hold the model objects (``None`` on the side where it is absent);
for ``probable_rename`` both are set and carry different names.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import ClassVar, Protocol, cast

from ..catalog.model import (
    Column,
    Constraint,
    Domain,
    Enum,
    Extension,
    Function,
    Index,
    ObjectType,
    Policy,
    Sequence,
    Table,
    Trigger,
    View,
)


@dataclass(frozen=True)
class ColumnUse:
    """A column whose type is an enum or domain that must be recreated (it is converted along)."""

    schema: str
    table: str
    column: str
    type: str
    default: str | None = None


@dataclass(frozen=True)
class Change:
    """Base of every change; subclasses narrow ``expected`` and ``actual``."""

    object_type: ClassVar[ObjectType]
    kind: str
    expected: builtins.object
    actual: builtins.object

    @property
    def object(self) -> str:
        """Qualified name of the object, as the EXPECTED side names it when it has one."""
        raise NotImplementedError

    @property
    def present(self) -> builtins.object:
        """The side that exists: ``expected`` unless it is ``None``."""
        return self.expected if self.expected is not None else self.actual


@dataclass(frozen=True)
class SchemaChange(Change):
    object_type: ClassVar[ObjectType] = "schema"
    expected: str | None
    actual: str | None

    @property
    def object(self) -> str:
        return self.expected or self.actual or ""


@dataclass(frozen=True)
class ExtensionChange(Change):
    object_type: ClassVar[ObjectType] = "extension"
    expected: Extension | None
    actual: Extension | None

    @property
    def object(self) -> str:
        return _either(self.expected, self.actual).name


@dataclass(frozen=True)
class EnumChange(Change):
    object_type: ClassVar[ObjectType] = "enum"
    expected: Enum | None
    actual: Enum | None
    uses: tuple[ColumnUse, ...] = ()
    """Actual columns of this type, converted when the type has to be recreated."""

    @property
    def object(self) -> str:
        return _either(self.expected, self.actual).qualname

    @property
    def recreate(self) -> bool:
        """Labels were removed or reordered: ``ADD VALUE`` cannot get there."""
        if self.kind != "enum_labels_mismatch" or self.expected is None or self.actual is None:
            return False
        return not _is_subsequence(self.actual.labels, self.expected.labels)

    @property
    def extra_labels(self) -> tuple[str, ...]:
        """The labels only the actual type has, when that is the whole difference (else ``()``):
        every value the code writes is accepted, so nothing needs recreating."""
        if self.kind != "enum_labels_mismatch" or self.expected is None or self.actual is None:
            return ()
        e, a = self.expected.labels, self.actual.labels
        if len(a) <= len(e) or not _is_subsequence(e, a):
            return ()
        return tuple(label for label in a if label not in e)


@dataclass(frozen=True)
class DomainChange(Change):
    object_type: ClassVar[ObjectType] = "domain"
    expected: Domain | None
    actual: Domain | None
    uses: tuple[ColumnUse, ...] = ()

    @property
    def object(self) -> str:
        return _either(self.expected, self.actual).qualname

    @property
    def recreate(self) -> bool:
        """The base type or collation differs, which ``ALTER DOMAIN`` cannot change."""
        if self.kind != "domain_mismatch" or self.expected is None or self.actual is None:
            return False
        return (self.expected.type, self.expected.collation) != (self.actual.type, self.actual.collation)


@dataclass(frozen=True)
class SequenceChange(Change):
    object_type: ClassVar[ObjectType] = "sequence"
    expected: Sequence | None
    actual: Sequence | None
    taken: frozenset[str] = frozenset()
    """For a rename that also moves it to another schema: see ``TableChange.taken``."""

    @property
    def object(self) -> str:
        return _either(self.expected, self.actual).qualname


@dataclass(frozen=True)
class Dependents:
    """Objects of other tables and views that stand on a relation being rebuilt (read from the model).

    Each is ``(actual, expected)``: the actual one is dropped first, the expected one (if any)
    created again once the rebuild is done.
    """

    views: tuple[tuple[View, View | None], ...] = ()
    foreign_keys: tuple[tuple[str, str, Constraint, Constraint | None], ...] = ()
    """``(schema, table, actual constraint, expected constraint)``, table names as expected."""
    replaced: tuple[View, ...] = ()
    """Expected views kept in place but given their definition again (``CREATE OR REPLACE``): a
    view reads a renamed relation by its OID, so it follows the rename, while its expected
    definition names the old name, which the script gives to another relation."""


@dataclass(frozen=True)
class TableChange(Change):
    object_type: ClassVar[ObjectType] = "table"
    expected: Table | None
    actual: Table | None
    parent: Table | None = None
    """The expected partitioned parent of a partition that must be created (for its own defaults)."""
    dependents: Dependents | None = None
    """What must be dropped before this table is recreated and created again after it; for a
    rename, the views that must follow the old name to the relation that takes it."""
    taken: frozenset[str] = frozenset()
    """For a rename that also moves the table to another schema, which of the two names in
    between (the new name in the old schema, the old name in the new schema) the actual
    database already uses: the statements go through the free one."""

    @property
    def object(self) -> str:
        return _either(self.expected, self.actual).qualname

    @property
    def recreate(self) -> bool:
        """The table must be dropped and created again (its kind or partition key differs)."""
        if self.kind != "table_options_mismatch" or self.expected is None or self.actual is None:
            return False
        e, a = self.expected, self.actual
        return (e.kind, e.partition_key) != (a.kind, a.partition_key)


@dataclass(frozen=True)
class _InTable(Change):
    """A change to something that lives in a table (or a materialized view, for indexes)."""

    schema: str
    table: str

    @property
    def table_qualname(self) -> str:
        return f"{self.schema}.{self.table}"

    @property
    def object(self) -> str:
        return f"{self.schema}.{self.table}.{_name(self.expected, self.actual)}"


@dataclass(frozen=True)
class ColumnChange(_InTable):
    object_type: ClassVar[ObjectType] = "column"
    expected: Column | None
    actual: Column | None
    dependents: Dependents | None = None
    """What must be dropped around a type change of this column and created again after it."""
    only: bool = False
    """The actual table has inheritance children: a drop stops at this table (``ALTER TABLE ONLY``),
    so a child that keeps the column keeps its values; a child that does not drops it itself."""
    depth: int = 0
    """How many ``INHERITS`` levels the actual table is below its topmost parent: drops and
    alterations run parents first, additions children first (a child's own column then merges)."""


@dataclass(frozen=True)
class ConstraintChange(_InTable):
    object_type: ClassVar[ObjectType] = "constraint"
    expected: Constraint | None
    actual: Constraint | None


@dataclass(frozen=True)
class IndexChange(_InTable):
    object_type: ClassVar[ObjectType] = "index"
    expected: Index | None
    actual: Index | None
    on_view: bool = False
    """The index belongs to a materialized view (created after the views, not with the tables)."""


@dataclass(frozen=True)
class TriggerChange(_InTable):
    object_type: ClassVar[ObjectType] = "trigger"
    expected: Trigger | None
    actual: Trigger | None


@dataclass(frozen=True)
class PolicyChange(_InTable):
    object_type: ClassVar[ObjectType] = "policy"
    expected: Policy | None
    actual: Policy | None


@dataclass(frozen=True)
class FunctionChange(Change):
    object_type: ClassVar[ObjectType] = "function"
    expected: Function | None
    actual: Function | None

    @property
    def object(self) -> str:
        return _either(self.expected, self.actual).qualname

    @property
    def replace_impossible(self) -> bool:
        """``CREATE OR REPLACE`` cannot change the result type or turn a function into a procedure."""
        if self.expected is None or self.actual is None:
            return False
        return (self.expected.kind, self.expected.returns) != (self.actual.kind, self.actual.returns)


@dataclass(frozen=True)
class ViewChange(Change):
    object_type: ClassVar[ObjectType] = "view"
    expected: View | None
    actual: View | None
    dependents: tuple[View, ...] = ()
    """Expected views that read this one and must be recreated with it when it is recreated."""

    @property
    def object(self) -> str:
        return _either(self.expected, self.actual).qualname

    @property
    def recreate(self) -> bool:
        """``CREATE OR REPLACE VIEW`` can only append columns; anything else drops and recreates."""
        if self.kind != "view_mismatch" or self.expected is None or self.actual is None:
            return False
        e, a = self.expected, self.actual
        if e.materialized or a.materialized:
            return e.definition != a.definition or e.materialized != a.materialized
        return e.columns[: len(a.columns)] != a.columns


class _Named(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def qualname(self) -> str: ...


def _either(expected: builtins.object | None, actual: builtins.object | None) -> _Named:
    found = expected if expected is not None else actual
    assert found is not None, "a change has at least one side"
    return cast(_Named, found)


def _name(expected: builtins.object | None, actual: builtins.object | None) -> str:
    return _either(expected, actual).name


def _is_subsequence(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    it = iter(long)
    return all(label in it for label in short)
