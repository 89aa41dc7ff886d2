"""The types lint rules work on: parsed statements, the file they sit in, rules and their hits."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..findings import Severity

Node = dict[str, Any]
"""One libpg_query JSON node body, e.g. the value under ``{"IndexStmt": ...}``."""


@dataclass(frozen=True, slots=True)
class Statement:
    """One SQL statement of a file, top level or inside a DO block."""

    tag: str
    """libpg_query node name: ``IndexStmt``, ``AlterTableStmt``, ``DoStmt``, …"""
    node: Node
    start: int
    """Byte offset of the statement in the file."""
    length: int
    base: int
    """Add to a node ``location`` to get a byte offset in the file (-1: locations are unknown)."""
    in_block: bool = False
    """Inside a DO block body."""
    conditional: bool = False
    """Inside an IF/CASE/loop of a DO block: it may or may not run."""
    cmds: tuple[Node, ...] = ()
    """``AlterTableCmd`` bodies of an ALTER TABLE, read once here because most rules look at them."""

    def at(self, location: object) -> int:
        """Byte offset in the file of a node ``location`` (the statement start when unknown)."""
        if isinstance(location, int) and location >= 0 and self.base >= 0:
            return self.base + location
        return self.start


@dataclass(frozen=True, slots=True)
class TableFacts:
    """What the schema-aware mode knows about a table that exists before the file runs."""

    columns: frozenset[str]
    rows: int | None = None
    """Row estimate from a live database (``pg_class.reltuples``); None when unknown."""


ChainTables = Mapping[str, "frozenset[str] | None"]
"""Tables the earlier files of a linted chain leave, keyed ``schema.name``, with their columns
(None: the table exists but its columns are not known, e.g. CREATE TABLE … AS)."""


@dataclass(frozen=True)
class Source:
    """A parsed file as rules see it."""

    path: str
    statements: tuple[Statement, ...]
    in_transaction: bool = True
    """Whether the runner wraps the file in a transaction (no ``-- pgwarden: no-transaction``)."""
    timeouts: frozenset[str] = frozenset()
    """Timeouts set by ``-- pgwarden:`` directives: ``lock_timeout``, ``statement_timeout``."""
    tables: Mapping[str, TableFacts] | None = None
    """Tables existing before the file runs (schema-aware mode), keyed ``schema.name``."""
    postgres_version: int = 18
    """Major version of the server the migrations run on (``[lint] postgres_version``)."""
    chain: ChainTables | None = None
    """What the files before this one in the linted folder leave; None when linted alone."""
    data: bytes = b""
    """The file's bytes, for the few rules that need tokens the parse tree drops (name truncation)."""

    def text_of(self, stmt: Statement) -> bytes:
        return self.data[stmt.start : stmt.start + stmt.length]

    @cached_property
    def by_tag(self) -> dict[str, list[Statement]]:
        """The statements of each kind (``IndexStmt``, …), in file order; grouped once per file."""
        found: dict[str, list[Statement]] = {}
        for stmt in self.statements:
            found.setdefault(stmt.tag, []).append(stmt)
        return found

    def of(self, tag: str) -> Sequence[Statement]:
        """The statements of one kind, in file order (most rules look at one kind)."""
        return self.by_tag.get(tag, ())


@dataclass(frozen=True, slots=True)
class Hit:
    """A rule's verdict on one statement; the engine turns it into a Finding."""

    statement: Statement
    message: str
    offset: int = -1
    """Byte offset in the file to point at (default: the statement start)."""
    evidence: Mapping[str, Any] = field(default_factory=dict)
    severity: Severity | None = None
    """Overrides the rule's severity (e.g. a lock on a table known to be large)."""


Check = Callable[[Source], Iterator[Hit]]


@dataclass(frozen=True)
class Rule:
    """A lint rule: metadata shown in docs and output, and a pure check over a parsed file."""

    id: str
    severity: Severity
    problem: str
    """One line: what goes wrong."""
    help: str
    """What to do instead."""
    bad: str
    good: str
    check: Check
    tags: frozenset[str] | None = None
    """The statement kinds without which the rule finds nothing (``IndexStmt``, …): a file holding
    none of them is not given to it. ``None``: every file is (a rule that any statement may wake)."""
