"""Telegram ids in 32 bits: live ``integer``/``smallint`` columns that hold Telegram user or chat ids.

Telegram user ids passed 2**31 in 2021; supergroup and channel ids are about -10**12. A bot
that stores them as ``integer`` works until the next new user, then every insert for that
user fails with ``integer out of range``. Which columns hold them is read from the live
catalog: by name (``user_id``, ``chat_id``, ``tg_*_id``), as the key of a users or chats
table whose ids come from outside (no sequence), by a foreign key to such a column, and from
the ``[telegram_ids]`` settings.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from psycopg import sql

from .. import codes
from ..catalog.model import Schema, Table
from ..diff import live_fix, model_code
from ..errors import ConfigError
from ..findings import Finding
from ..idwidth import is_telegram_name

__all__ = ["TelegramIds", "findings", "options"]

_NARROW = ("integer", "smallint")
_KEY_TABLES = ("users", "user", "chats", "chat", "*_users", "*_chats", "tg_*", "telegram_*")
_REFERENCES = re.compile(r"REFERENCES\s+(?P<table>[^\s(]+)\s*\((?P<columns>[^)]*)\)")


@dataclass(frozen=True)
class TelegramIds:
    """The ``[telegram_ids]`` settings."""

    enabled: bool = True
    columns: tuple[str, ...] = ()
    """Glob patterns of more columns that hold Telegram ids: ``public.orders.buyer``, ``*.owner``."""
    exclude: tuple[str, ...] = ()
    """Glob patterns of columns named like Telegram ids that hold something else."""


def options(sections: Mapping[str, Any], where: str) -> TelegramIds:
    """Validate ``[telegram_ids]``; errors name ``where`` (the config file) and the key."""
    raw = sections.get("telegram_ids", {})
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: [telegram_ids] must be a table (enabled, columns, exclude).")
    unknown = sorted(set(raw) - {"enabled", "columns", "exclude"})
    if unknown:
        raise ConfigError(
            f"{where}: unknown key telegram_ids.{unknown[0]}; the keys are enabled, columns, exclude."
        )
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError(f"{where}: telegram_ids.enabled must be true or false.")
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("columns", "exclude"):
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(
                f'{where}: telegram_ids.{key} must be a list of column patterns like "public.orders.buyer".'
            )
        lists[key] = tuple(value)
    return TelegramIds(enabled=enabled, columns=lists["columns"], exclude=lists["exclude"])


def _matches(qualname: str, column: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns for name in (qualname, column))


def _local_key(table: Table, column: str) -> bool:
    """Whether ``table.column`` is numbered by the database (serial, identity): not a Telegram id."""
    col = next((c for c in table.columns if c.name == column), None)
    return col is not None and (col.identity is not None or "nextval(" in (col.default or ""))


def _references(table: Table) -> dict[str, str]:
    """Local column -> ``schema.table.column`` it references, for single-column foreign keys."""
    found: dict[str, str] = {}
    for con in table.constraints:
        if con.kind != "foreign_key" or len(con.columns) != 1 or not con.references:
            continue
        match = _REFERENCES.search(con.definition)
        if match is None:
            continue
        target = [c.strip().strip('"') for c in match.group("columns").split(",")]
        if len(target) == 1:
            found[con.columns[0]] = f"{con.references}.{target[0]}"
    return found


def _reasons(live: Schema, settings: TelegramIds) -> dict[str, str]:
    """``schema.table.column`` -> why it holds Telegram ids, for every column that does (any width)."""
    reasons: dict[str, str] = {}
    refs = {t.qualname: _references(t) for t in live.tables}
    for table in live.tables:
        primary = next((c for c in table.constraints if c.kind == "primary_key"), None)
        for col in table.columns:
            qual = f"{table.qualname}.{col.name}"
            target = refs[table.qualname].get(col.name)
            target_table = live.table(target.rpartition(".")[0]) if target else None
            if _matches(qual, col.name, settings.columns):
                reasons[qual] = "named in [telegram_ids] columns"
            elif is_telegram_name(col.name):
                # A user_id that points at a users table numbered by a sequence is a local id.
                if target_table is None or not _local_key(
                    target_table, target.rpartition(".")[2] if target else ""
                ):
                    reasons[qual] = f"its name, {col.name}, is the usual one for a Telegram id"
            elif (
                primary is not None
                and primary.columns == (col.name,)
                and any(fnmatch.fnmatchcase(table.name.lower(), p) for p in _KEY_TABLES)
                and not _local_key(table, col.name)
            ):
                reasons[qual] = (
                    f"it is the key of {table.qualname} and no sequence numbers it (ids from Telegram)"
                )
    for table in live.tables:  # one level of foreign keys: a column pointing at a Telegram id is one
        for column, target in refs[table.qualname].items():
            qual = f"{table.qualname}.{column}"
            if qual not in reasons and target in reasons:
                reasons[qual] = f"it references {target}, which holds Telegram ids"
    return {q: r for q, r in reasons.items() if not _matches(q, q.rpartition(".")[2], settings.exclude)}


def findings(
    live: Schema,
    settings: TelegramIds,
    *,
    skip: Iterable[str] = (),
    attributes: Mapping[str, str] | None = None,
) -> list[Finding]:
    """One finding per live ``integer``/``smallint`` column (or serial sequence) that holds Telegram ids.

    ``attributes`` (the models source's) name the model attribute to widen, in the model's own ORM."""
    if not settings.enabled:
        return []
    skipped = set(skip)
    sequences = {s.owned_by: s for s in live.sequences if s.owned_by}
    attributes = attributes or {}
    found: list[Finding] = []
    for qual, reason in sorted(_reasons(live, settings).items()):
        table_name, _, column = qual.rpartition(".")
        table = live.table(table_name)
        col = next((c for c in table.columns if c.name == column), None) if table else None
        if table is None or col is None or col.type not in _NARROW or qual in skipped:
            continue
        sequence = sequences.get(qual)
        found.append(
            _finding(
                table,
                column,
                col.type,
                reason,
                sequence.qualname if sequence and sequence.data_type in _NARROW else None,
                attributes,
            )
        )
    return found


def _finding(
    table: Table, column: str, type_: str, reason: str, sequence: str | None, attributes: Mapping[str, str]
) -> Finding:
    qual = f"{table.qualname}.{column}"
    steps = [
        sql.SQL("ALTER TABLE {} ALTER COLUMN {} TYPE bigint;").format(
            sql.Identifier(table.schema, table.name), sql.Identifier(column)
        ),
    ]
    if sequence:
        schema, _, name = sequence.partition(".")
        steps.append(sql.SQL("ALTER SEQUENCE {} AS bigint;").format(sql.Identifier(schema, name)))
    # As every live fix: one transaction with lock_timeout and statement_timeout, so pgwarden's lint passes it.
    fix = live_fix.for_live("\n".join(s.as_string() for s in steps))
    limit = "2,147,483,647" if type_ == "integer" else "32,767"
    return codes.finding(
        "telegram_id_too_narrow",
        qual,
        f"Column {qual} is {type_} but holds Telegram ids ({reason}): ids above {limit} exist today, "
        "and inserting one fails with `integer out of range`.",
        f"Widen it to bigint in a migration ({_model_change(attributes, qual)}). The fix rewrites the table and "
        "rebuilds its indexes under an ACCESS EXCLUSIVE lock: reads and writes wait for the whole rewrite, "
        "so run it in a quiet moment on a small table. On a big one take the low-lock path: add a bigint "
        "column, keep it in step with a trigger, backfill it in batches, build its indexes CONCURRENTLY, "
        "then swap the names in one short transaction.",
        source="drift",
        fix_sql=fix,
        evidence={
            "type": type_,
            "reason": reason,
            "sequence": sequence,
            "rewrite": True,
            "lock": "ACCESS EXCLUSIVE",
        },
    )


def _model_change(attributes: Mapping[str, str], qual: str) -> str:
    """The model side of the widening, in the model's ORM when the models map the column."""
    attribute = attributes.get(qual)
    if not attribute:
        return (
            "and make the model's field 64-bit: BigInteger in SQLAlchemy, fields.BigIntField in Tortoise, "
            "BigIntegerField in Peewee and Django"
        )
    big = model_code.field_class(model_code.style_of(attributes, qual), "bigint")
    return f"and make {attribute} a `{big}`"
