"""Probable renames, in one place: pairing missing objects with look-alikes that are extra, and
reading the actual side in the expected side's names once they are paired."""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import TypeVar

from ..catalog.model import Schema, Sequence, Table
from ._names import quote_ident, quoted

E = TypeVar("E")
A = TypeVar("A")


def similarity(a: str, b: str) -> float:
    """0..1, how alike two names are (``difflib`` ratio, case-insensitive)."""
    return SequenceMatcher(None, a.lower(), b.lower()).ratio()


def pair_renames(
    missing: Iterable[E],
    extra: Iterable[A],
    *,
    signature: Callable[[E | A], Hashable | None],
    name: Callable[[E | A], str],
    tiebreak: Callable[[E, A], bool] = lambda e, a: False,
) -> list[tuple[E, A]]:
    """1:1 pairs of a missing and an extra object with equal ``signature``.

    A ``None`` signature never pairs. When several candidates fit, the pair with the most similar names wins, then the
    one where ``tiebreak`` holds (e.g. equal defaults), then the alphabetical order of
    names, so the outcome never depends on input order. Only objects of the same
    signature are ever compared with each other, so the work stays proportional to
    the size of each group, not to the product of both sides.
    """
    by_signature: dict[Hashable, list[A]] = defaultdict(list)
    for a in extra:
        key = signature(a)
        if key is not None:
            by_signature[key].append(a)
    candidates: list[tuple[float, bool, str, str, E, A]] = []
    for e in missing:
        key = signature(e)
        for a in by_signature.get(key, ()) if key is not None else ():
            candidates.append((similarity(name(e), name(a)), tiebreak(e, a), name(e), name(a), e, a))
    candidates.sort(key=lambda c: (-c[0], not c[1], c[2], c[3]))
    taken_e: set[str] = set()
    taken_a: set[str] = set()
    pairs: list[tuple[E, A]] = []
    for _, _, e_name, a_name, e, a in candidates:
        if e_name in taken_e or a_name in taken_a:
            continue
        taken_e.add(e_name)
        taken_a.add(a_name)
        pairs.append((e, a))
    pairs.sort(key=lambda p: name(p[0]))
    return pairs


@dataclass
class Renames:
    """Renames found so far, to read the actual side in the expected side's names."""

    sequences: dict[str, str] = field(default_factory=dict)
    """Actual sequence qualname -> expected qualname."""
    tables: dict[str, str] = field(default_factory=dict)
    """Actual table qualname -> expected qualname."""
    columns: dict[str, str] = field(default_factory=dict)
    """Actual ``schema.table.column`` -> expected column name."""
    _nextval: dict[str, str] = field(default_factory=dict)

    def add_sequence(self, actual: str, expected: str) -> None:
        self.sequences[actual] = expected
        a_schema, _, a_name = actual.partition(".")
        e_schema, _, e_name = expected.partition(".")
        self._nextval[f"'{quoted(a_schema, a_name)}'::regclass"] = f"'{quoted(e_schema, e_name)}'::regclass"

    def original_table(self, qualname: str) -> str:
        """The actual name of the table the expected side calls ``qualname``."""
        for old, new in self.tables.items():
            if new == qualname:
                return old
        return qualname

    def default(self, text: str | None) -> str | None:
        """An actual default with renamed sequences named as expected (``nextval('s.t_id_seq')``)."""
        if text is None or not self._nextval or "::regclass" not in text:
            return text
        for old, new in self._nextval.items():
            text = text.replace(old, new)
        return text

    def owned_by(self, text: str | None) -> str | None:
        """An actual ``schema.table.column`` with renamed tables and columns named as expected."""
        if text is None:
            return None
        table, _, column = text.rpartition(".")
        column = self.columns.get(text, column)
        return f"{self.tables.get(table, table)}.{column}"


def sequence_params(s: Sequence) -> tuple[object, ...]:
    """What makes two sequences the same but for their names."""
    return (s.data_type, s.start, s.increment, s.min_value, s.max_value, s.cache, s.cycle)


def sequence_renames(expected: Schema, actual: Schema, renames: Renames) -> list[tuple[Sequence, Sequence]]:
    """Sequences missing and extra with the same parameters and the same owner (once tables
    are renamed): a serial sequence never pairs with another table's, which its drop would take.
    """
    if expected.sequences == actual.sequences:
        return []
    em, am = expected.sequence_map, actual.sequence_map
    originals = {s.qualname: s for k, s in am.items() if k not in em}
    pairs = pair_renames(
        [s for k, s in em.items() if k not in am],
        [dataclasses.replace(s, owned_by=renames.owned_by(s.owned_by)) for s in originals.values()],
        signature=lambda s: (*sequence_params(s), s.owned_by),
        name=lambda s: s.qualname,
    )
    for e, a in pairs:
        renames.add_sequence(a.qualname, e.qualname)
    return [(e, originals[a.qualname]) for e, a in pairs]


def table_renames(expected: Schema, actual: Schema, renames: Renames) -> list[tuple[Table, Table]]:
    """Tables missing and extra with the same column names and types."""
    if expected.tables == actual.tables:
        return []
    em, am = expected.table_map, actual.table_map

    def signature(t: Table) -> frozenset[tuple[str, str]] | None:
        return frozenset((c.name, c.type) for c in t.columns) or None

    pairs = pair_renames(
        [t for k, t in em.items() if k not in am],
        [t for k, t in am.items() if k not in em],
        signature=signature,
        name=lambda t: t.qualname,
        tiebreak=lambda e, a: e.schema == a.schema,
    )
    for e, a in pairs:
        renames.tables[a.qualname] = e.qualname
    return pairs


def retarget(actual: Table, expected: Table) -> Table:
    """``actual`` renamed to ``expected``'s name, with the table's name inside definitions rewritten.

    Index and trigger definitions (and self-referencing foreign keys) spell the table's
    name; after ``ALTER TABLE .. RENAME`` the server prints the new one, so comparing
    with the new name avoids reporting every index of a renamed table as changed.
    """
    old, new = quoted(actual.schema, actual.name), quoted(expected.schema, expected.name)
    old_q, new_q = actual.qualname, expected.qualname

    def fix(text: str) -> str:
        return text.replace(f" {old} ", f" {new} ").replace(f" {old}(", f" {new}(")

    return dataclasses.replace(
        actual,
        schema=expected.schema,
        name=expected.name,
        constraints=tuple(
            dataclasses.replace(
                c,
                definition=fix(c.definition),
                references=new_q if c.references == old_q else c.references,
            )
            for c in actual.constraints
        ),
        indexes=tuple(dataclasses.replace(i, definition=fix(i.definition)) for i in actual.indexes),
        triggers=tuple(
            dataclasses.replace(t, table=new_q, definition=fix(t.definition)) for t in actual.triggers
        ),
        policies=tuple(dataclasses.replace(p, table=new_q) for p in actual.policies),
    )


_STRING = re.compile(r"('(?:[^']|'')*')")


def rename_columns(table: Table, renames: dict[str, str]) -> Table:
    """``table`` as the server prints it once its columns are renamed (old name -> new name).

    Definitions of indexes, constraints, triggers and policies name the columns; the
    server prints the new names after ``RENAME COLUMN``, so comparing with them keeps a
    rename from also reporting every index on the column as changed. Names are replaced
    as whole identifiers, outside string literals.
    """
    patterns = [
        (re.compile(rf'(?<![\w"$]){re.escape(quote_ident(old))}(?![\w"$(])'), quote_ident(new))
        for old, new in renames.items()
    ]

    def fix(text: str | None) -> str | None:
        if text is None:
            return None
        parts = _STRING.split(text)
        for i in range(0, len(parts), 2):  # even parts are outside quotes
            for pattern, new in patterns:
                parts[i] = pattern.sub(lambda _m, new=new: new, parts[i])
        return "".join(parts)

    def fixed(text: str) -> str:
        return fix(text) or text

    return dataclasses.replace(
        table,
        constraints=tuple(
            dataclasses.replace(
                c, definition=fixed(c.definition), columns=tuple(renames.get(n, n) for n in c.columns)
            )
            for c in table.constraints
        ),
        indexes=tuple(
            dataclasses.replace(
                i,
                definition=fixed(i.definition),
                columns=tuple(fixed(n) for n in i.columns),
                predicate=fix(i.predicate),
            )
            for i in table.indexes
        ),
        triggers=tuple(
            dataclasses.replace(t, definition=fixed(t.definition), when=fix(t.when)) for t in table.triggers
        ),
        policies=tuple(
            dataclasses.replace(p, using=fix(p.using), with_check=fix(p.with_check)) for p in table.policies
        ),
    )
