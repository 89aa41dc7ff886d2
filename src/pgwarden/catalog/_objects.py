"""Objects built from catalog rows: columns (shared when equal) and routines."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .model import Column, Function
from .normalize import body_hash

_VOLATILITY = {"i": "immutable", "s": "stable", "v": "volatile"}
_ROUTINE = {"f": "function", "p": "procedure", "a": "aggregate", "w": "window"}
_IDENTITY = {"a": "always", "d": "by default"}


def routine(
    schema: str,
    name: str,
    arguments: str,
    prokind: str,
    returns: str | None,
    language: str,
    volatility: str,
    strict: bool,
    security_definer: bool,
    source: str | None,
    config: list[str] | None,
    definition: str,
) -> Function:
    # SQL-standard bodies (BEGIN ATOMIC, PostgreSQL 14+) keep no source text: the server's
    # deparsed definition is already normalised.
    body = source if source and source.strip() else definition
    return Function(
        schema=schema,
        name=name,
        arguments=arguments,
        kind=_ROUTINE[prokind],  # type: ignore[arg-type]
        returns=returns,
        language=language,
        volatility=_VOLATILITY[volatility],  # type: ignore[arg-type]
        strict=strict,
        security_definer=security_definer,
        body_hash=body_hash(body, config),
        definition=definition,
    )


def columns(
    rows: Iterable[tuple[Any, ...]],
    table: str,
    skip: Callable[..., bool],
    comments: dict[tuple[int, int], str],
    made: dict[tuple[Any, ...], Column],
) -> tuple[Column, ...]:
    """The ``Column`` of each row. Columns are values (a column does not know its table), and most
    tables repeat the same few (``id bigint``, ``created_at timestamptz``): an equal column built
    before, kept in ``made``, is used again instead of a new one, which on thousands of tables
    saves most of the time spent building them (and later comparing them, equal by identity)."""
    out = []
    for relid, name, type_, notnull, default, identity, generated, collation, attnum, virtual, *_ in rows:
        if skip(f"{table}.{name}"):
            continue
        key = (
            name,
            type_,
            notnull,
            default,
            identity,
            generated,
            collation,
            comments.get((relid, attnum)),
            virtual,
        )
        column = made.get(key)
        if column is None:
            column = made[key] = Column(
                name=name,
                type=type_,
                nullable=not notnull,
                default=default,
                identity=_IDENTITY.get(identity),  # type: ignore[arg-type]
                generated=generated,
                collation=collation,
                comment=key[7],
                virtual=virtual,
            )
        out.append(column)
    return tuple(out)
