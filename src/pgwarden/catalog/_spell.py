"""Finishing the rows of ``indexes.sql`` and ``constraints.sql``: the definitions they left for
this side to spell.

For an index of the common shape (btree over plain columns, no INCLUDE, predicate, options or
sort options), the query returns the head of its definition and its raw keys instead of calling
``pg_get_indexdef``, which on thousands of tables costs the server more than all the rest of the
index query. The key columns' names come from the columns already read, and a key is spelled
bare only when ``pg_get_indexdef`` would spell it bare: its operator class is the default btree
class of the column's type and its collation is the column's. Any other key (a domain over
text, a non-default operator class or collation) sends that index to the server after all,
in one query for all of them, so a definition is always the server's text.

Likewise a primary key, unique constraint or foreign key of the common shape comes with its raw
column numbers instead of ``pg_get_constraintdef``'s text, and is spelled here the way
``pg_get_constraintdef`` spells it (ruleutils.c); a column not among those read (a foreign key to
a schema not read) sends it to the server. Tests hold every spelling equal to the server's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

_VARCHAR = 1043
_TEXT = 25
# varchar has no btree class of its own; text's default class serves it, and pg_get_indexdef
# leaves it out (the binary-coercible default). Other such cases are left to the server.


class Attributes:
    """The rows of ``columns.sql`` of each relation by attribute number, made when first asked."""

    def __init__(self, columns_by_rel: Mapping[int, Sequence[tuple[Any, ...]]]) -> None:
        self.columns_by_rel = columns_by_rel
        self.made: dict[int, dict[int, tuple[Any, ...]]] = {}

    def __call__(self, relid: int) -> dict[int, tuple[Any, ...]]:
        attrs = self.made.get(relid)
        if attrs is None:
            attrs = self.made[relid] = {r[8]: r for r in self.columns_by_rel.get(relid, ())}
        return attrs


def finish_indexes(
    rows: Sequence[tuple[Any, ...]],
    attributes: Attributes,
    default_classes: Mapping[int, int],
    deparse: Callable[[list[int]], Mapping[int, str]],
) -> list[tuple[Any, ...]]:
    """``rows`` of ``indexes.sql`` as ``(relid, name, definition, columns, unique, primary,
    predicate, valid, constraint, attached)``. ``default_classes`` maps each default btree operator class to
    its type, ``deparse(oids)`` returns the server's definition of each index of ``oids``."""
    out: list[tuple[Any, ...]] = []
    unspelled: dict[int, int] = {}  # index oid -> its position in out
    for row in rows:
        relid, name, definition, columns, *rest, indexrelid, keys, classes, collations = row
        if keys is None:  # deparsed by the server
            out.append((relid, name, definition, tuple(columns or ()), *rest))
            continue
        attrs = attributes(relid)
        spelled = _spell(attrs, keys.split(), classes.split(), collations.split(), default_classes)
        if spelled is None:
            names = tuple(attrs[int(k)][1] for k in keys.split())
            unspelled[indexrelid] = len(out)
            out.append((relid, name, None, names, *rest))
        else:
            names, quoted = spelled
            out.append((relid, name, definition + ", ".join(quoted) + ")", names, *rest))
    if unspelled:
        definitions = deparse(list(unspelled))
        for oid, at in unspelled.items():
            relid, name, _, *rest = out[at]
            out[at] = (relid, name, definitions[oid], *rest)
    return out


def _spell(
    attrs: Mapping[int, tuple[Any, ...]],
    keys: list[str],
    classes: list[str],
    collations: list[str],
    default_classes: Mapping[int, int],
) -> tuple[tuple[str, ...], list[str]] | None:
    """(names, names as pg_get_indexdef quotes them), or None when a key needs the server."""
    names: list[str] = []
    quoted: list[str] = []
    for key, opclass, collation in zip(keys, classes, collations, strict=True):
        attr = attrs.get(int(key))
        if attr is None:
            return None
        name, quoted_name, type_oid, collation_oid = attr[1], attr[10], attr[11], attr[12]
        intype = default_classes.get(int(opclass))
        if intype is None or not (intype == type_oid or (type_oid == _VARCHAR and intype == _TEXT)):
            return None
        if int(collation) != collation_oid:
            return None
        names.append(name)
        quoted.append(quoted_name or name)
    return tuple(names), quoted


_ACTIONS = {"a": "", "r": " RESTRICT", "c": " CASCADE", "n": " SET NULL", "d": " SET DEFAULT"}
_MATCH = {"s": "", "f": " MATCH FULL", "p": " MATCH PARTIAL"}
_HEADS = {"p": "PRIMARY KEY (", "u": "UNIQUE (", "f": "FOREIGN KEY ("}


def finish_constraints(
    rows: Sequence[tuple[Any, ...]],
    attributes: Attributes,
    deparse: Callable[[list[int]], Mapping[int, tuple[str, list[str]]]],
) -> list[tuple[Any, ...]]:
    """``rows`` of ``constraints.sql`` as ``(relid, name, kind, definition, columns, deferrable,
    deferred, validated, references)``; ``deparse(oids)`` returns the server's definition and
    column names of each constraint of ``oids``."""
    out: list[tuple[Any, ...]] = []
    unspelled: dict[int, int] = {}
    for row in rows:
        relid, name, kind, definition, columns, deferrable, deferred, validated, references = row[:9]
        oid, keys, ref_keys, ref_relid, ref_name, on_update, on_delete, match = row[9:]
        if keys is None:
            out.append((relid, name, kind, definition, tuple(columns or ()), *row[5:9]))
            continue
        own = _names(attributes(relid), keys)
        if own is None:
            spelled = None
        elif kind == "f":
            theirs = _names(attributes(ref_relid), ref_keys)
            spelled = None
            if theirs is not None and match in _MATCH and on_update in _ACTIONS and on_delete in _ACTIONS:
                spelled = (
                    f"FOREIGN KEY ({', '.join(own[1])}) REFERENCES {ref_name}({', '.join(theirs[1])})"
                    + _MATCH[match]
                    + (f" ON UPDATE{_ACTIONS[on_update]}" if _ACTIONS[on_update] else "")
                    + (f" ON DELETE{_ACTIONS[on_delete]}" if _ACTIONS[on_delete] else "")
                )
        else:
            spelled = f"{_HEADS[kind]}{', '.join(own[1])})"
        if spelled is None or own is None:
            unspelled[oid] = len(out)
            out.append((relid, name, kind, None, (), *row[5:9]))
            continue
        spelled += (
            (" DEFERRABLE" if deferrable else "")
            + (" INITIALLY DEFERRED" if deferred else "")
            + ("" if validated else " NOT VALID")
        )
        out.append((relid, name, kind, spelled, own[0], *row[5:9]))
    if unspelled:
        found = deparse(list(unspelled))
        for oid, at in unspelled.items():
            definition, columns = found[oid]
            out[at] = (*out[at][:3], definition, tuple(columns), *out[at][5:])
    return out


def _names(
    attrs: Mapping[int, tuple[Any, ...]], keys: Sequence[int]
) -> tuple[tuple[str, ...], list[str]] | None:
    """(names, names as the server quotes them) of the attributes ``keys``, None if one is unknown."""
    names: list[str] = []
    quoted: list[str] = []
    for key in keys:
        attr = attrs.get(key)
        if attr is None:
            return None
        names.append(attr[1])
        quoted.append(attr[10] or attr[1])
    return tuple(names), quoted
