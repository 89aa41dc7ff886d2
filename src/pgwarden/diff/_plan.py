"""Planning a migration: statements placed in phases so that every object exists before its users."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from psycopg import sql

from . import _ddl as ddl
from ._ddl import Q
from ._names import quoted
from ._parts import cascaded, claimed
from .changes import Change, TableChange, ViewChange


class Phase(enum.IntEnum):
    """Where a statement goes: renames, then drops, then creations and alterations, then late drops.

    Drops of sequences, types, extensions and schemas come last: columns may still use a
    sequence or a type until their own alterations have run.
    """

    CREATE_SCHEMA = enum.auto()
    RENAME = enum.auto()
    ENUM_VALUE = enum.auto()
    """New labels of existing enums, committed before anything can use them (see ``Plan.statements``)."""
    DROP_POLICY = enum.auto()
    DROP_TRIGGER = enum.auto()
    DROP_VIEW = enum.auto()
    DROP_FUNCTION = enum.auto()
    DROP_FOREIGN_KEY = enum.auto()
    DROP_CONSTRAINT = enum.auto()
    DROP_INDEX = enum.auto()
    NO_INHERIT = enum.auto()
    """A child leaves a parent before columns are dropped: its inherited columns become its own."""
    DROP_COLUMN = enum.auto()
    DROP_TABLE = enum.auto()
    EXTENSION = enum.auto()
    TYPE = enum.auto()
    SEQUENCE = enum.auto()
    EARLY_FUNCTION = enum.auto()
    """Functions that defaults, checks, indexes and generated columns may call; bodies are not checked yet."""
    TABLE = enum.auto()
    COLUMN = enum.auto()
    ATTACH = enum.auto()
    CONSTRAINT = enum.auto()
    INDEX = enum.auto()
    ATTACH_INDEX = enum.auto()
    """Partitions' indexes attached to their parents' once both exist."""
    FOREIGN_KEY = enum.auto()
    VALIDATE = enum.auto()
    SEQUENCE_OWNER = enum.auto()
    FUNCTION = enum.auto()
    VIEW = enum.auto()
    VIEW_INDEX = enum.auto()
    LATE_FUNCTION = enum.auto()
    """Functions whose arguments or result are the row type of a view created here."""
    TRIGGER = enum.auto()
    POLICY = enum.auto()
    COMMENT = enum.auto()
    PRIVILEGE = enum.auto()
    """Owners and grants, once every object they name exists (revokes run with the early drops)."""
    DROP_LATE_FUNCTION = enum.auto()
    """Functions no longer wanted: once nothing (defaults, checks, indexes, other bodies) calls them."""
    DROP_SEQUENCE = enum.auto()
    DROP_TYPE = enum.auto()
    DROP_EXTENSION = enum.auto()
    DROP_SCHEMA = enum.auto()


@dataclass(frozen=True)
class Statement:
    """One or a few SQL statements that stand or fall together."""

    phase: Phase
    sql: str
    destructive: str | None = None
    """Why running it loses data; such statements are commented out unless allowed."""


_OLD_SUFFIX = "__pgwarden_old"


class Plan:
    """The statements collected so far, and what the planning of one change needs to know of the others."""

    def __init__(self, changes: Sequence[Change]) -> None:
        self.changes = changes
        self._out: list[tuple[Phase, int, int, Statement]] = []
        self.table_renames = {
            c.actual.qualname: c.expected.qualname
            for c in changes
            if isinstance(c, TableChange) and c.kind == "probable_rename" and c.expected and c.actual
        }
        """Actual table name -> expected name, for statements that run after the renames."""
        self.recreated_tables = {
            c.expected.qualname: c
            for c in changes
            if isinstance(c, TableChange) and c.recreate and c.expected
        }
        """Tables dropped and created again: their own columns, indexes... come with the creation."""
        self.created_tables = {
            quoted(c.expected.schema, c.expected.name)
            for c in changes
            if isinstance(c, TableChange) and c.expected and (c.kind == "missing_table" or c.recreate)
        }
        self.created_views = {
            quoted(c.expected.schema, c.expected.name)
            for c in changes
            if isinstance(c, ViewChange) and c.expected and (c.kind == "missing_view" or c.recreate)
        }
        """Relations created by the script, as the server spells them in a function signature."""
        self.check_bodies_off = False
        self.attaching = claimed(changes)
        """(partition, index) attached by the script: kept, neither dropped nor created anew."""
        self.cascading = cascaded(changes)
        """(schema, index) of parent indexes dropped with their partitions' constraints."""
        self.cascaded_constraints = {(p.table, p.name) for parts in self.cascading.values() for p in parts}

    def add(
        self, phase: Phase, statements: Q | Sequence[Q], destructive: str | None = None, *, order: int = 0
    ) -> None:
        """One unit of statements in ``phase``; ``destructive`` says why running it loses data;
        within a phase, lower ``order`` first (an inheritance parent's drop before its child's)."""
        items = [statements] if isinstance(statements, sql.Composable) else list(statements)
        if not items:
            return
        text = "\n".join(ddl.as_text(q) for q in items)
        self._out.append((phase, order, len(self._out), Statement(phase, text, destructive)))

    def statements(self) -> list[Statement]:
        out = [s for *_, s in sorted(self._out, key=lambda x: (x[0], x[1], x[2]))]
        added = [i for i, s in enumerate(out) if s.phase == Phase.ENUM_VALUE]
        if added and added[-1] + 1 < len(out):
            # PostgreSQL refuses a label in the transaction that added it ("unsafe use of new
            # value"): run as one transaction, the script commits the labels first. No BEGIN
            # follows, so a script run statement by statement never leaves a transaction open.
            out.insert(added[-1] + 1, Statement(Phase.ENUM_VALUE, _COMMIT_LABELS))
        return out


_COMMIT_LABELS = (
    "-- commit: the new enum labels above must be committed before the statements below can use them\nCOMMIT;"
)
