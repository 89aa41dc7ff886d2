"""Finishing the rows of ``indexes.sql``: the definitions it left for this side to spell.

For an index of the common shape (btree over plain columns, no INCLUDE, predicate, options or
sort options), the query returns the head of its definition and its raw keys instead of calling
``pg_get_indexdef``, which on thousands of tables costs the server more than all the rest of the
index query. The key columns' names come from the columns already read, and a key is spelled
bare only when ``pg_get_indexdef`` would spell it bare: its operator class is the default btree
class of the column's type and its collation is the column's. Any other key (a domain over
text, a non-default operator class or collation) sends that index to the server after all,
in one query for all of them, so a definition is always the server's text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

_VARCHAR = 1043
_TEXT = 25
# varchar has no btree class of its own; text's default class serves it, and pg_get_indexdef
# leaves it out (the binary-coercible default). Other such cases are left to the server.


def finish(
    rows: Sequence[tuple[Any, ...]],
    columns_by_rel: Mapping[int, Sequence[tuple[Any, ...]]],
    default_classes: Mapping[int, int],
    deparse: Callable[[list[int]], Mapping[int, str]],
) -> list[tuple[Any, ...]]:
    """``rows`` of ``indexes.sql`` as ``(relid, name, definition, columns, unique, primary,
    predicate, valid, constraint, attached)``. ``columns_by_rel`` holds the rows of
    ``columns.sql`` by relation, ``default_classes`` maps each default btree operator class to
    its type, ``deparse(oids)`` returns the server's definition of each index of ``oids``."""
    out: list[tuple[Any, ...]] = []
    unspelled: dict[int, int] = {}  # index oid -> its position in out
    by_attnum: dict[int, dict[int, tuple[Any, ...]]] = {}
    for row in rows:
        relid, name, definition, columns, *rest, indexrelid, keys, classes, collations = row
        if keys is None:  # deparsed by the server
            out.append((relid, name, definition, tuple(columns or ()), *rest))
            continue
        attrs = by_attnum.get(relid)
        if attrs is None:
            attrs = by_attnum[relid] = {r[8]: r for r in columns_by_rel.get(relid, ())}
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
