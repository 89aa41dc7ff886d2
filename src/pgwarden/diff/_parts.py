"""Which partition indexes are attached to a partitioned table's index, compared and fixed.

A partition's index attached to its parent's index is not listed among the partition's own
(its definition is the parent's); the parent's ``Index.attached`` names it. Two attachments
can differ while every index definition is equal: a named local index against a generated
name, or a unique index left unattached so that the parent's index stays invalid. Nothing
else in the comparison sees that, and ``pg_dump`` does.

The fixes: rename the attached index (``ALTER INDEX ... RENAME``), or attach the partition's
own unattached index of the expected name (``ALTER INDEX parent ATTACH PARTITION ...``),
first making it the partition's primary key or unique constraint when the expected one is.
An index attached to another cannot be detached: a difference of that kind stays a finding.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..catalog.model import Index, IndexPart, Schema, Table
from ._tables import index_shape
from .changes import Change, ConstraintChange, IndexChange, TableChange


def compare(expected: Schema, actual: Schema, out: list[Change]) -> None:
    """An ``index_mismatch`` for each parent index whose attachments differ, on partitions both sides keep."""
    remade = {c.expected.qualname for c in out if isinstance(c, TableChange) and c.recreate and c.expected}
    # Partitions of the same parent on both sides, kept by the script.
    kept = {
        t.qualname
        for t in expected.tables
        if t.partition_of
        and getattr(actual.table_map.get(t.qualname), "partition_of", None) == t.partition_of
    } - remade
    reported = {
        (c.schema, c.table, c.expected.name) for c in out if isinstance(c, IndexChange) and c.expected
    }
    for e in expected.tables:
        a = actual.table_map.get(e.qualname)
        if e.kind != "partitioned" or a is None or a.kind != "partitioned" or e.qualname in remade:
            continue
        by_name = {i.name: i for i in a.indexes}
        for ei in e.indexes:
            ai = by_name.get(ei.name)
            if ai is None or _parts(ei, kept) == _parts(ai, kept):
                continue
            if ei.valid and not ei.attached:
                # A valid partitioned index has every partition's attached: none listed means the
                # source did not record them (a snapshot written before they were read).
                continue
            if ei.constraint != ai.constraint or _shape(e, ei) != _shape(e, ai):
                continue  # dropped and created again: the server attaches the partitions anew
            if (e.schema, e.name, ei.name) in reported:
                if not any(_is_invalid(c, e, ei) for c in out):
                    continue  # dropped and created again: the server attaches the partitions anew
                # Attaching the partitions is what makes an invalid partitioned index valid.
                out[:] = [c for c in out if not _is_invalid(c, e, ei)]
            out.append(IndexChange("index_mismatch", ei, ai, e.schema, e.name))


def attachments_only(c: IndexChange) -> bool:
    """Whether the change is one ``compare`` made: same definition, other attachments."""
    e, a = c.expected, c.actual
    return (
        c.kind == "index_mismatch"
        and e is not None
        and a is not None
        and e.attached != a.attached
        and index_shape(c.schema, c.table, e) == index_shape(c.schema, c.table, a)
    )


def claimed(changes: Sequence[Change]) -> set[tuple[str, str]]:
    """(partition, index) of the partitions' unattached indexes the script attaches.

    Neither dropped (as an extra index or constraint) nor created anew: the very index is attached.
    """
    # What a partition has unattached: its extra indexes and constraints.
    unattached = {
        (f"{c.schema}.{c.table}", c.actual.name)
        for c in changes
        if isinstance(c, (IndexChange, ConstraintChange))
        and c.kind in ("extra_index", "extra_constraint")
        and c.actual is not None
    }
    out: set[tuple[str, str]] = set()
    for c in changes:
        if isinstance(c, IndexChange) and attachments_only(c):
            assert c.expected is not None and c.actual is not None
            have = {p.table for p in c.actual.attached}
            out |= {(p.table, p.name) for p in c.expected.attached if p.table not in have}
    return out & unattached


def cascaded(changes: Sequence[Change]) -> dict[tuple[str, str], list[IndexPart]]:
    """Parent indexes dropped with ``CASCADE``: their attached partitions' constraints are dropped too.

    The server refuses to drop either alone (each requires the other): the parent's drop takes
    the partitions' constraints with it, so those are not dropped separately.
    """
    dropped = {
        (f"{c.schema}.{c.table}", c.actual.name): c.actual
        for c in changes
        if isinstance(c, ConstraintChange) and c.actual is not None and c.kind != "probable_rename"
    }
    out: dict[tuple[str, str], list[IndexPart]] = {}
    for c in changes:
        if not (
            isinstance(c, IndexChange)
            and c.actual is not None
            and c.kind in ("extra_index", "index_mismatch")
        ):
            continue
        with_constraint = [p for p in c.actual.attached if p.constraint]
        if with_constraint and all((p.table, p.name) in dropped for p in with_constraint):
            out[(c.schema, c.actual.name)] = with_constraint
    return out


def _parts(index: Index, kept: set[str]) -> set[IndexPart]:
    return {p for p in index.attached if p.table in kept}


def _shape(t: Table, i: Index) -> str:
    return index_shape(t.schema, t.name, i)


def _is_invalid(c: Change, t: Table, i: Index) -> bool:
    return (
        isinstance(c, IndexChange)
        and c.kind == "invalid_index"
        and (c.schema, c.table) == (t.schema, t.name)
        and c.expected is not None
        and c.expected.name == i.name
    )
