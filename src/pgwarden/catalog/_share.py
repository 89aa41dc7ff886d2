"""Tables built once for two inspections read at the same time (``diff`` of two live databases).

Two databases compared are mostly equal: on thousands of tables, building every ``Table`` of the
second from its catalog rows costs as much as building the first, and comparing them afterwards
costs again. So the inspection that reaches its tables first builds them and offers each with the
rows it was built from; the other uses an offered table whenever its own rows are the same, and
builds only the others.

What is compared is every input the build of a table reads (``_inspect._read``): the table's row,
its columns, comments, finished constraints and indexes (definitions already spelled by name),
triggers, policies, relation settings and identity options, and the ``ignore`` patterns; each row
without the relation's oid, which differs between databases and only groups the rows. Equal inputs
build equal tables, so a shared table is the very value the other side would have built. Any other
difference in those rows (a column numbered differently, a type's oid) builds the table anew: it
can cost a build, never hide a difference.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from .model import Table

Inputs = tuple[tuple[Any, ...], tuple[Sequence[tuple[Any, ...]], ...], tuple[Any, ...]]
"""A table's row, its rows of each grouped query, its entry in each keyed result."""


def inputs(
    table_row: tuple[Any, ...],
    grouped: Sequence[Mapping[Any, Sequence[tuple[Any, ...]]]],
    keyed: Sequence[Mapping[Any, Any]],
) -> Inputs:
    """What builds the table of ``table_row`` (its oid first): its rows in each of ``grouped``
    (rows keyed by relation oid, each with the oid first) and its entry in each of ``keyed``."""
    oid = table_row[0]
    return table_row, tuple(rows.get(oid, ()) for rows in grouped), tuple(found.get(oid) for found in keyed)


def same(a: Inputs, b: Inputs) -> bool:
    """Whether two tables' inputs are equal but for the relation oid leading each row."""
    if a[0][1:] != b[0][1:] or a[2] != b[2]:
        return False
    for rows_a, rows_b in zip(a[1], b[1], strict=True):
        if len(rows_a) != len(rows_b):
            return False
        for row_a, row_b in zip(rows_a, rows_b, strict=True):
            if row_a[1:] != row_b[1:]:
                return False
    return True


class TableShare:
    """Tables one inspection built, offered to one other: the first to ``claim`` builds and offers
    (``offer``, always called, even when its build failed), the other ``wait``s for the offer."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._claimed = False
        self._offered = threading.Event()
        self._ignore: tuple[str, ...] = ()
        self._tables: dict[str, tuple[Inputs, Table]] = {}

    def claim(self, ignore: tuple[str, ...]) -> bool:
        """True for the first inspection to ask: it builds every table, skipping by ``ignore``, and
        offers them."""
        with self._lock:
            first = not self._claimed
            self._claimed = True
            if first:
                self._ignore = ignore
            return first

    def offer(self, tables: dict[str, tuple[Inputs, Table]]) -> None:
        self._tables = tables
        self._offered.set()

    def wait(self, ignore: tuple[str, ...]) -> dict[str, tuple[Inputs, Table]]:
        """The offered tables by qualified name, with their inputs, once offered; none when the
        builder skipped by other patterns than ``ignore`` (a skipped column is left out of a table)."""
        self._offered.wait()
        return self._tables if ignore == self._ignore else {}
