"""The Schema model: a frozen, hashable description of every user-defined object.

Every expected-schema source (live database, SQLAlchemy models, a migrations
folder, a snapshot file) produces one of these; ``diff`` compares two of them.

Conventions shared by every object:

* names are unquoted; ``schema`` is always set, so ``qualname`` is
  ``schema.name`` (``schema.table.column`` for columns);
* SQL fragments (types, defaults, definitions) are exactly what PostgreSQL's
  own deparsers print (``format_type``, ``pg_get_expr``, ``pg_get_indexdef``,
  ``pg_get_constraintdef``, ``pg_get_triggerdef``, ``pg_get_viewdef``), so two
  schemas built by the same server compare textually;
* collections are tuples sorted by name, so equal schemas are equal values.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from .kinds import Collation, CompositeType, DefaultPrivilege, Grant, Owner

ConstraintKind = Literal["primary_key", "unique", "foreign_key", "check", "exclusion"]
TriggerEnabled = Literal["origin", "disabled", "replica", "always"]
RelKind = Literal["table", "partitioned"]
Volatility = Literal["immutable", "stable", "volatile"]
RoutineKind = Literal["function", "procedure", "aggregate", "window"]

ObjectType = Literal[
    "schema",
    "extension",
    "collation",
    "enum",
    "composite_type",
    "domain",
    "sequence",
    "table",
    "column",
    "constraint",
    "index",
    "function",
    "view",
    "trigger",
    "policy",
    "grant",
    "owner",
]
"""The kinds of object a ``Schema`` holds, in dependency order (what ``diff`` reports first)."""

OBJECT_TYPES: tuple[ObjectType, ...] = typing.get_args(ObjectType)


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    """``format_type`` output with typmod: ``character varying(50)``, ``integer[]``."""
    nullable: bool = True
    default: str | None = None
    """``pg_get_expr`` of the default; ``None`` for none (and for generated columns)."""
    identity: Literal["always", "by default"] | None = None
    generated: str | None = None
    """Expression of a ``GENERATED ALWAYS AS (...)`` column, ``STORED`` unless ``virtual``."""
    collation: str | None = None
    """Only when it differs from the type's default collation."""
    comment: str | None = None
    virtual: bool = False
    """A ``VIRTUAL`` generated column (PostgreSQL 18+): computed when read, not stored."""
    inherited: bool = False
    """Only inherited from a parent (``INHERITS``), not declared on this table: it comes and goes with the parent's."""
    identity_options: tuple[str, ...] = ()
    """An identity column's sequence options that differ from the defaults: ``START WITH 10``."""


@dataclass(frozen=True)
class Constraint:
    name: str
    kind: ConstraintKind
    definition: str
    """``pg_get_constraintdef``: ``FOREIGN KEY (a) REFERENCES s.t(id) ON DELETE CASCADE``."""
    columns: tuple[str, ...] = ()
    deferrable: bool = False
    initially_deferred: bool = False
    validated: bool = True
    """False for a constraint added ``NOT VALID`` and not yet validated."""
    references: str | None = None
    """Qualified name of the referenced table, for foreign keys."""


@dataclass(frozen=True)
class IndexPart:
    """A partition's index attached to a partitioned table's index (``ALTER INDEX ... ATTACH PARTITION``)."""

    table: str
    """Qualified name of the partition."""
    name: str
    """The partition's index (in the partition's schema)."""
    constraint: Literal["primary key", "unique", "exclusion"] | None = None
    """The kind of the partition's own constraint this index backs, if any."""


@dataclass(frozen=True)
class Index:
    name: str
    definition: str
    """``pg_get_indexdef``: ``CREATE UNIQUE INDEX ix ON public.t USING btree (a)``."""
    columns: tuple[str, ...] = ()
    """Key column names; expressions appear as their text."""
    unique: bool = False
    primary: bool = False
    predicate: str | None = None
    valid: bool = True
    constraint: str | None = None
    """Name of the constraint this index backs (primary key, unique, exclusion)."""
    attached: tuple[IndexPart, ...] = ()
    """On a partitioned table: the partitions' indexes attached to this one, sorted. Their
    definitions follow this one's; their names and constraints are the partitions' own."""


@dataclass(frozen=True)
class Trigger:
    name: str
    table: str
    """Qualified table name."""
    timing: Literal["before", "after", "instead of"]
    events: tuple[str, ...]
    """Sorted subset of ``delete``, ``insert``, ``truncate``, ``update``."""
    level: Literal["row", "statement"]
    function: str
    """Qualified function name (without arguments)."""
    definition: str
    """``pg_get_triggerdef``: the full ``CREATE TRIGGER`` statement."""
    when: str | None = None
    enabled: TriggerEnabled = "origin"
    """``origin`` fires normally, ``disabled`` never, ``replica`` only when
    ``session_replication_role = replica``, ``always`` in both modes."""

    @property
    def qualname(self) -> str:
        return f"{self.table}.{self.name}"


@dataclass(frozen=True)
class Policy:
    name: str
    table: str
    command: Literal["all", "select", "insert", "update", "delete"]
    permissive: bool
    roles: tuple[str, ...]
    using: str | None = None
    with_check: str | None = None

    @property
    def qualname(self) -> str:
        return f"{self.table}.{self.name}"


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    kind: RelKind = "table"
    columns: tuple[Column, ...] = ()
    """In attribute order (order is reported as information, never as drift)."""
    constraints: tuple[Constraint, ...] = ()
    indexes: tuple[Index, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    policies: tuple[Policy, ...] = ()
    partition_key: str | None = None
    """``pg_get_partkeydef`` for a partitioned table: ``RANGE (created_at)``."""
    partition_of: str | None = None
    """Qualified parent name when this table is a partition."""
    partition_bound: str | None = None
    """``FOR VALUES FROM (...) TO (...)`` / ``DEFAULT`` for a partition."""
    rls_enabled: bool = False
    rls_forced: bool = False
    unlogged: bool = False
    comment: str | None = None
    inherits: tuple[str, ...] = ()
    """Qualified names of the parents of ``INHERITS`` (not partitioning), in declaration order."""
    replica_identity: Literal["full", "nothing", "index"] | None = None
    """``REPLICA IDENTITY`` when not the default (the primary key): what logical replication sends."""
    replica_index: str | None = None
    """The index named by ``REPLICA IDENTITY USING INDEX``."""

    @property
    def qualname(self) -> str:
        return f"{self.schema}.{self.name}"

    @cached_property
    def column_map(self) -> dict[str, Column]:
        return {c.name: c for c in self.columns}

    def column(self, name: str) -> Column | None:
        return self.column_map.get(name)

    @cached_property
    def constraint_map(self) -> dict[str, Constraint]:
        return {c.name: c for c in self.constraints}

    @cached_property
    def index_map(self) -> dict[str, Index]:
        return {i.name: i for i in self.indexes}

    @cached_property
    def trigger_map(self) -> dict[str, Trigger]:
        return {t.name: t for t in self.triggers}

    @cached_property
    def policy_map(self) -> dict[str, Policy]:
        return {p.name: p for p in self.policies}


@dataclass(frozen=True)
class Sequence:
    schema: str
    name: str
    data_type: str = "bigint"
    start: int = 1
    increment: int = 1
    min_value: int | None = None
    max_value: int | None = None
    cache: int = 1
    cycle: bool = False
    owned_by: str | None = None
    """``schema.table.column`` when the sequence belongs to a column (serial, identity)."""

    @property
    def qualname(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True)
class View:
    schema: str
    name: str
    definition: str
    """``pg_get_viewdef`` text (the SELECT)."""
    materialized: bool = False
    columns: tuple[str, ...] = ()
    indexes: tuple[Index, ...] = ()
    """Indexes on a materialized view."""
    comment: str | None = None
    triggers: tuple[Trigger, ...] = ()
    """``INSTEAD OF`` (and statement) triggers on the view."""
    options: tuple[str, ...] = ()
    """Sorted reloptions: ``check_option=local``, ``security_barrier=true``, ``fillfactor=70``."""

    @property
    def qualname(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True)
class Enum:
    schema: str
    name: str
    labels: tuple[str, ...]
    """In sort order."""

    @property
    def qualname(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True)
class Domain:
    schema: str
    name: str
    type: str
    nullable: bool = True
    default: str | None = None
    constraints: tuple[tuple[str, str], ...] = ()
    """``(name, pg_get_constraintdef)`` pairs, sorted by name."""
    collation: str | None = None

    @property
    def qualname(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True)
class Function:
    schema: str
    name: str
    arguments: str
    """Argument types (``oidvectortypes``): ``integer, text``; names are not part of the identity."""
    kind: RoutineKind = "function"
    returns: str | None = None
    """``pg_get_function_result``; ``None`` for procedures."""
    language: str = "sql"
    volatility: Volatility = "volatile"
    strict: bool = False
    security_definer: bool = False
    body_hash: str = ""
    """sha256 of the body with formatting normalised (see ``catalog.normalize``)."""
    definition: str = ""
    """``pg_get_functiondef``: the full ``CREATE OR REPLACE`` statement."""
    comment: str | None = None

    @property
    def qualname(self) -> str:
        return f"{self.schema}.{self.name}({self.arguments})"


@dataclass(frozen=True)
class Extension:
    name: str
    version: str
    schema: str = "public"

    @property
    def qualname(self) -> str:
        return self.name


@dataclass(frozen=True)
class Schema:
    """Everything user-defined in one database (or one expected-schema source)."""

    schemas: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    views: tuple[View, ...] = ()
    sequences: tuple[Sequence, ...] = ()
    enums: tuple[Enum, ...] = ()
    domains: tuple[Domain, ...] = ()
    functions: tuple[Function, ...] = ()
    extensions: tuple[Extension, ...] = ()
    collations: tuple[Collation, ...] = ()
    composite_types: tuple[CompositeType, ...] = ()
    grants: tuple[Grant, ...] = ()
    owners: tuple[Owner, ...] = ()
    default_privileges: tuple[DefaultPrivilege, ...] = ()
    """``ALTER DEFAULT PRIVILEGES`` of the roles, database-wide and in the schemas read."""
    privileges_read: bool = field(default=False, compare=False)
    """Whether ``grants`` and ``owners`` were read (``inspect(privileges=True)``): they are
    compared only when both sides hold them, as a schema built in a scratch database has
    neither the bot's roles nor its owners."""
    server_version: int | None = field(default=None, compare=False)
    """``server_version_num`` of the database this was read from; not part of equality."""

    @cached_property
    def table_map(self) -> dict[str, Table]:
        return {t.qualname: t for t in self.tables}

    def table(self, qualname: str) -> Table | None:
        return self.table_map.get(qualname)

    @cached_property
    def view_map(self) -> dict[str, View]:
        return {v.qualname: v for v in self.views}

    @cached_property
    def sequence_map(self) -> dict[str, Sequence]:
        return {s.qualname: s for s in self.sequences}

    @cached_property
    def enum_map(self) -> dict[str, Enum]:
        return {e.qualname: e for e in self.enums}

    @cached_property
    def domain_map(self) -> dict[str, Domain]:
        return {d.qualname: d for d in self.domains}

    @cached_property
    def function_map(self) -> dict[str, Function]:
        return {f.qualname: f for f in self.functions}

    @cached_property
    def extension_map(self) -> dict[str, Extension]:
        return {e.name: e for e in self.extensions}

    @cached_property
    def trigger_map(self) -> dict[str, Trigger]:
        return {tr.qualname: tr for t in self.tables for tr in t.triggers}

    @cached_property
    def collation_map(self) -> dict[str, Collation]:
        return {c.qualname: c for c in self.collations}

    @cached_property
    def composite_map(self) -> dict[str, CompositeType]:
        return {c.qualname: c for c in self.composite_types}
