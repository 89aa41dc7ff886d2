"""Comparing one expected table with its actual counterpart: columns, constraints, indexes, triggers, policies."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from operator import attrgetter

from ..catalog.model import Column, Constraint, Index, Table, Trigger
from ._defaults import same_default
from ._names import quote_ident, quoted
from .changes import (
    Change,
    ColumnChange,
    ConstraintChange,
    IndexChange,
    PolicyChange,
    TableChange,
    TriggerChange,
)
from .renames import Renames, pair_renames, rename_columns

_OPTIONS = (
    "kind",
    "partition_key",
    "partition_of",
    "partition_bound",
    "rls_enabled",
    "rls_forced",
    "unlogged",
    "inherits",
    "replica_identity",
    "replica_index",
)
_FIRING = ("origin", "always")
_COLUMN_ATTRIBUTES: tuple[tuple[str, Callable[[Column], object], bool], ...] = (
    # (kind, what is compared, whether a partition always takes it from its parent)
    ("type_mismatch", attrgetter("type"), True),
    ("nullability_mismatch", attrgetter("nullable"), False),
    ("default_mismatch", attrgetter("default"), False),
    ("identity_mismatch", attrgetter("identity", "generated", "virtual", "identity_options"), False),
    ("collation_mismatch", attrgetter("collation"), True),
    ("comment_mismatch", attrgetter("comment"), False),
)


options: Callable[[Table], tuple[object, ...]] = attrgetter(*_OPTIONS)
"""The table-level settings compared as one ``table_options_mismatch``."""


def inheritance_depths(tables: tuple[Table, ...]) -> dict[str, int]:
    """How many ``INHERITS`` levels each table is below its topmost parent (a cycle cannot exist)."""
    parents = {t.qualname: t.inherits for t in tables}
    depths: dict[str, int] = {}

    def depth(name: str, seen: frozenset[str]) -> int:
        if name not in depths:
            above = [p for p in parents.get(name, ()) if p in parents and p not in seen]
            depths[name] = 1 + max((depth(p, seen | {name}) for p in above), default=-1)
        return depths[name]

    for t in tables:
        depth(t.qualname, frozenset())
    return depths


def constraint_definition(c: Constraint) -> str:
    """The definition without the ``NOT VALID`` the server appends: validation is compared apart."""
    return c.definition.removesuffix(" NOT VALID")


def index_shape(schema: str, table: str, index: Index) -> str:
    """The index definition without its own name and its table's: what makes two indexes alike."""
    head = f"INDEX {quote_ident(index.name)} ON "
    text = index.definition
    at = text.find(head)
    if at < 0:
        return text
    rest = text[at + len(head) :]
    only = rest.startswith("ONLY ")
    rest = rest.removeprefix("ONLY ")
    target = quoted(schema, table) + " "
    rest = rest.removeprefix(target)
    return f"{text[:at]}INDEX ON {'ONLY ' if only else ''}{rest}"


class TableComparer:
    """Compares matched tables; ``parents`` give the partitioned parents on each side."""

    def __init__(
        self,
        out: list[Change],
        renames: Renames,
        expected_tables: Callable[[str], Table | None],
        actual_tables: Callable[[str], Table | None],
        actual_depths: Mapping[str, int] | None = None,
    ) -> None:
        self.out = out
        self.renames = renames
        self.expected_table = expected_tables
        self.actual_table = actual_tables
        depths = actual_depths or {}
        self.depth = depths.get
        self.parents = {p for t, d in depths.items() if d for p in self._actual_parents(t)}
        """Actual tables with inheritance children."""

    def _actual_parents(self, qualname: str) -> tuple[str, ...]:
        t = self.actual_table(qualname)
        return t.inherits if t is not None else ()

    def _change(self, kind: str, ec: Column | None, ac: Column | None, e: Table, a: Table) -> ColumnChange:
        return ColumnChange(
            kind,  # type: ignore[arg-type]
            ec,
            ac,
            e.schema,
            e.name,
            only=self.renames.original_table(a.qualname) in self.parents,
            depth=self.depth(self.renames.original_table(a.qualname), 0),
        )

    def compare(self, e: Table, a: Table) -> None:
        if e == a:
            return
        out = self.out
        if e.comment != a.comment:
            out.append(TableChange("comment_mismatch", e, a))
        if options(e) != options(a):
            parent = self.expected_table(e.partition_of) if e.partition_of else None
            out.append(TableChange("table_options_mismatch", e, a, parent))
        if e.columns != a.columns:
            renamed = self._columns(e, a)
            if renamed:
                a = rename_columns(a, renamed)
        if e.constraints != a.constraints:
            self._constraints(e, a)
        if e.indexes != a.indexes:
            self.indexes(e.schema, e.name, e.indexes, a.indexes, out)
        if e.triggers != a.triggers:
            self.triggers(e.schema, e.name, e.triggers, a.triggers, out)
        if e.policies != a.policies:
            self._policies(e, a)

    # columns

    def _columns(self, e: Table, a: Table) -> dict[str, str]:
        """Column changes; returns the probable renames, actual name -> expected name."""
        em, am = e.column_map, a.column_map
        # A partition's columns are its parent's: they appear, vanish and change type with it.
        inherited = e.partition_of is not None and a.partition_of is not None
        parents = (
            (self.expected_table(e.partition_of or ""), self.actual_table(a.partition_of or ""))
            if inherited
            else (None, None)
        )
        given, renamed_by_parent = self._from_parents(e, a)
        # A parent's rename reaches this table's copy: read it under its new name.
        for before, after in renamed_by_parent.items():
            if after in em and after not in am and before in am:
                am = {**am, after: am[before]}
        reached = {before for before, after in renamed_by_parent.items() if after in am}
        renamed: dict[str, Column] = {}
        extra_names = {c.name for c in a.columns if c.name not in em and c.name not in reached}
        missing = [c for c in e.columns if c.name not in am and c.name not in given]
        if not inherited and missing and extra_names:
            extra = [c for c in a.columns if c.name in extra_names]
            for ec, ac in pair_renames(
                missing,
                extra,
                signature=lambda c: (c.type, c.nullable),
                name=lambda c: c.name,
                tiebreak=lambda x, y: x.default == self.renames.default(y.default),
            ):
                renamed[ec.name] = ac
                extra_names.discard(ac.name)
                self.renames.columns[f"{self.renames.original_table(a.qualname)}.{ac.name}"] = ec.name
        out = self.out
        for ec in e.columns:
            same = am.get(ec.name)
            if same is not None:
                if ec != same:
                    if inherited:
                        self._column(e, a, ec, same, parents)
                    else:
                        pair = self._inheritance_parents(e, ec.name, same.name)
                        self._column(e, a, ec, same, pair, inheritance=True)
            elif ec.name in renamed:
                old = renamed[ec.name]
                out.append(self._change("probable_rename", ec, old, e, a))
                self._column(e, a, ec, old, parents)
            elif not inherited and not (ec.inherited and ec.name in given):
                # A column the child declares itself is added to it before its parent's ADD
                # COLUMN reaches it (``depth``): the two then merge into one.
                out.append(self._change("missing_column", ec, None, e, a))
        if not inherited:
            for ac in a.columns:
                # Even a copy inherited from a parent that drops the column: the parent's drop
                # stops at the parent (``only``), so each child says itself what it keeps.
                if ac.name in extra_names:
                    out.append(self._change("extra_column", None, ac, e, a))
        return {old.name: new for new, old in renamed.items()}

    def _from_parents(self, e: Table, a: Table) -> tuple[set[str], dict[str, str]]:
        """(columns the expected parents that both sides share give this table: they follow the
        parent's own changes; the renames of those parents' columns, old name -> new name, which
        reach this table's copies)."""
        given: set[str] = set()
        renamed: dict[str, str] = {}
        for parent in a.inherits:
            pe = self.expected_table(self.renames.tables.get(parent, parent))
            if pe is None or pe.qualname not in e.inherits:
                continue
            given |= {c.name for c in pe.columns}
            prefix = f"{parent}."
            renamed |= {
                key.removeprefix(prefix): new
                for key, new in self.renames.columns.items()
                if key.startswith(prefix)
            }
        return given, renamed

    def _inheritance_parents(self, e: Table, expected: str, actual: str) -> tuple[Table | None, Table | None]:
        """The parent a column comes from on each side (declared on the child too or not), compared
        like a partition's: the parent's type change reaches the child."""
        for parent in e.inherits:
            pe = self.expected_table(parent)
            pa = self.actual_table(self.renames.original_table(parent))
            if pe is not None and pa is not None and pe.column(expected) and pa.column(actual):
                return pe, pa
        return None, None

    def _column(
        self,
        e: Table,
        a: Table,
        ec: Column,
        ac: Column,
        parents: tuple[Table | None, Table | None],
        *,
        inheritance: bool = False,
    ) -> None:
        pe = parents[0].column(ec.name) if parents[0] is not None else None
        pa = parents[1].column(ac.name) if parents[1] is not None else None
        if pa is None and parents[1] is not None:
            # Renamed on the parent: its actual column still has the old name.
            pa = next(
                (c for c in parents[1].columns if self._renamed_to(parents[1], c.name) == ec.name), None
            )
        renamed_default = self.renames.default
        kinds = []
        for kind, get, follows_parent in _COLUMN_ATTRIBUTES:
            ev, av = get(ec), get(ac)
            if kind == "default_mismatch":
                av = renamed_default(ac.default)
                if same_default(ec.default, av, ec.type):
                    continue
            if ev == av:
                continue
            if pe is not None and pa is not None and kind != "comment_mismatch":
                # A partition or child follows its parent: the parent's own change reaches it.
                if follows_parent:
                    continue
                if kind == "default_mismatch" and inheritance:
                    # A parent's default stops at the parent (ONLY): each child changes its own.
                    kinds.append(kind)
                    continue
                pav = renamed_default(pa.default) if kind == "default_mismatch" else get(pa)
                if get(pe) == ev and pav == av:
                    continue
            kinds.append(kind)
        for kind in kinds:
            self.out.append(self._change(kind, ec, ac, e, a))

    def _renamed_to(self, table: Table, column: str) -> str | None:
        """The expected name of an actual table's column a probable rename gives it."""
        return self.renames.columns.get(f"{table.qualname}.{column}")

    # constraints and indexes

    def _constraints(self, e: Table, a: Table) -> None:
        em, am = e.constraint_map, a.constraint_map
        missing = [c for c in e.constraints if c.name not in am]
        extra = [c for c in a.constraints if c.name not in em]
        pairs = pair_renames(
            missing,
            extra,
            signature=lambda c: (c.kind, constraint_definition(c), c.deferrable, c.initially_deferred),
            name=lambda c: c.name,
        )
        renamed = {ec.name: ac for ec, ac in pairs}
        paired_extra = {ac.name for _, ac in pairs}
        out = self.out
        for ec in e.constraints:
            ac = am.get(ec.name)
            if ac is None and ec.name in renamed:
                ac = renamed[ec.name]
                out.append(ConstraintChange("probable_rename", ec, ac, e.schema, e.name))
            if ac is None:
                out.append(ConstraintChange("missing_constraint", ec, None, e.schema, e.name))
            elif (ec.kind, constraint_definition(ec), ec.deferrable, ec.initially_deferred) != (
                ac.kind,
                constraint_definition(ac),
                ac.deferrable,
                ac.initially_deferred,
            ):
                out.append(ConstraintChange("constraint_mismatch", ec, ac, e.schema, e.name))
            elif ec.validated and not ac.validated:
                out.append(ConstraintChange("constraint_not_validated", ec, ac, e.schema, e.name))
            elif ac.validated and not ec.validated:
                # Expected NOT VALID: only dropping and adding it back NOT VALID gets there.
                out.append(ConstraintChange("constraint_mismatch", ec, ac, e.schema, e.name))
        for ac in extra:
            if ac.name not in paired_extra:
                out.append(ConstraintChange("extra_constraint", None, ac, e.schema, e.name))

    @staticmethod
    def indexes(
        schema: str,
        table: str,
        expected: tuple[Index, ...],
        actual: tuple[Index, ...],
        out: list[Change],
        *,
        on_view: bool = False,
    ) -> None:
        """Indexes of a table or materialized view; those behind a constraint are the constraint's."""
        em = {i.name: i for i in expected if i.constraint is None}
        am = {i.name: i for i in actual if i.constraint is None}

        def shape(i: Index) -> str:
            return index_shape(schema, table, i)

        missing = [i for n, i in em.items() if n not in am]
        extra = [i for n, i in am.items() if n not in em]
        pairs = pair_renames(missing, extra, signature=shape, name=lambda i: i.name)
        renamed = {ei.name: ai for ei, ai in pairs}
        paired_extra = {ai.name for _, ai in pairs}
        for name in sorted(em):
            ei, ai = em[name], am.get(name)
            if ai is None and name in renamed:
                ai = renamed[name]
                out.append(IndexChange("probable_rename", ei, ai, schema, table, on_view))
            if ai is None:
                out.append(IndexChange("missing_index", ei, None, schema, table, on_view))
            elif shape(ei) != shape(ai):
                out.append(IndexChange("index_mismatch", ei, ai, schema, table, on_view))
            elif ei.valid and not ai.valid:
                out.append(IndexChange("invalid_index", ei, ai, schema, table, on_view))
        for ai in extra:
            if ai.name not in paired_extra:
                out.append(IndexChange("extra_index", None, ai, schema, table, on_view))

    # triggers and policies

    @staticmethod
    def triggers(
        schema: str, table: str, expected: tuple[Trigger, ...], actual: tuple[Trigger, ...], out: list[Change]
    ) -> None:
        """Triggers of a table or view."""
        em, am = {t.name: t for t in expected}, {t.name: t for t in actual}
        for et in expected:
            at = am.get(et.name)
            if at is None:
                out.append(TriggerChange("missing_trigger", et, None, schema, table))
            elif (et.timing, et.events, et.level, et.when, et.function, et.definition) != (
                at.timing,
                at.events,
                at.level,
                at.when,
                at.function,
                at.definition,
            ):
                out.append(TriggerChange("trigger_mismatch", et, at, schema, table))
            elif et.enabled != at.enabled:
                kind = (
                    "trigger_disabled"
                    if et.enabled in _FIRING and at.enabled not in _FIRING
                    else "trigger_mismatch"
                )
                out.append(TriggerChange(kind, et, at, schema, table))
        for at in actual:
            if at.name not in em:
                out.append(TriggerChange("extra_trigger", None, at, schema, table))

    def _policies(self, e: Table, a: Table) -> None:
        em, am = e.policy_map, a.policy_map
        out = self.out
        for ep in e.policies:
            ap = am.get(ep.name)
            if ap is None:
                out.append(PolicyChange("missing_policy", ep, None, e.schema, e.name))
            elif ep != ap:
                out.append(PolicyChange("policy_mismatch", ep, ap, e.schema, e.name))
        for ap in a.policies:
            if ap.name not in em:
                out.append(PolicyChange("extra_policy", None, ap, e.schema, e.name))
