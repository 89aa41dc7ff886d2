"""A fix SQL made safe to run on a live database: timeouts, CONCURRENTLY, NOT VALID, one transaction.

``fix_sql`` (``render.py``) is the plain DDL a migration would hold: a migration runner wraps it
in a transaction and sets ``lock_timeout``. A fix offered for the live database is run by hand,
by a person who trusts it, on tables in use; so pgwarden's own lint must have nothing to say
about it. The plain statements are rearranged, never changed in effect:

* the transactional statements run as one transaction, ``SET LOCAL lock_timeout`` and
  ``statement_timeout`` first (the migration runner's defaults), so a fix that fails half-way
  leaves nothing half-done and a fix that waits for a lock gives up instead of queueing every query;
* a foreign key or CHECK constraint on an existing table is added ``NOT VALID`` in that
  transaction and validated in a second one (a scan that lets writes through); a run whose
  validation failed (rows break the rule) leaves it NOT VALID, and running the fix again after
  the rows are mended starts over (``DROP CONSTRAINT IF EXISTS`` first);
* ``SET NOT NULL`` on an existing table is preceded by a validated ``CHECK (col IS NOT NULL)``, so
  PostgreSQL skips its own full scan under the exclusive lock, and the helper check is dropped after;
* an index on an existing table is built (or dropped) ``CONCURRENTLY`` after the transaction; a
  UNIQUE or PRIMARY KEY constraint gets its index built that way first, then ``USING INDEX``.

Pure: text in, text out. A fix that already holds its own BEGIN (a declared object's, PW115's)
is returned unchanged; a bare ``COMMIT`` (after new enum labels) ends a transaction of its own. ``statements`` splits a script the way psql runs it.
"""

from __future__ import annotations

import re

__all__ = ["LOCK_TIMEOUT", "STATEMENT_TIMEOUT", "for_live", "statements"]

LOCK_TIMEOUT = "5s"
STATEMENT_TIMEOUT = "10min"
"""The migration runner's defaults (``[migrate]``), so a fix waits and runs as a migration would."""

HEADER = "-- pgwarden: no-transaction (the fix holds its own transactions)"

_ID = r'(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)'
_NAME = rf"{_ID}(?:\.{_ID})?"
_CREATE_INDEX = re.compile(rf"^CREATE (UNIQUE )?INDEX ({_ID}) ON (?:ONLY )?({_NAME})(.*);$", re.S)
_DROP_INDEX = re.compile(rf"^DROP INDEX (?:IF EXISTS )?({_NAME});$")
_ADD_CHECKED = re.compile(
    rf"^ALTER TABLE ({_NAME}) ADD CONSTRAINT ({_ID}) ((?:FOREIGN KEY|CHECK) .*);$", re.S
)
_ADD_UNIQUE = re.compile(
    rf"^ALTER TABLE ({_NAME}) ADD CONSTRAINT ({_ID}) (UNIQUE|PRIMARY KEY) (\([^()]*\));$"
)
_SET_NOT_NULL = re.compile(rf"^ALTER TABLE ({_NAME}) ALTER COLUMN ({_ID}) SET NOT NULL;$")
_CREATE_TABLE = re.compile(rf"^CREATE (?:UNLOGGED )?TABLE (?:IF NOT EXISTS )?({_NAME})")
_DOLLAR = re.compile(r"\$(?:[A-Za-z_]\w*)?\$")


def statements(script: str) -> list[str]:
    """The statements of ``script``, each with its ``;``, comments between them dropped."""
    out: list[str] = []
    start = i = 0
    n = len(script)
    while i < n:
        ch = script[i]
        if ch == "-" and script.startswith("--", i):
            end = script.find("\n", i)
            end = n if end < 0 else end
            if not script[start:i].strip():
                start = end  # a comment before a statement is not part of it
            i = end
        elif ch in "'\"":
            end = script.find(ch, i + 1)
            while end >= 0 and script.startswith(ch, end + 1):
                end = script.find(ch, end + 2)  # a doubled quote stays inside
            i = n if end < 0 else end + 1
        elif ch == "$" and (tag := _DOLLAR.match(script, i)):
            end = script.find(tag.group(), tag.end())
            i = n if end < 0 else end + len(tag.group())
        elif ch == ";":
            out.append(script[start : i + 1].strip())
            start = i = i + 1
        else:
            i += 1
    if script[start:].strip():
        out.append(script[start:].strip())
    return out


def _unquote(name: str) -> str:
    return name.replace('"', "")


def _check_name(table: str, column: str) -> str:
    # pgwarden's own name: DROP CONSTRAINT IF EXISTS must never meet one of the project's.
    base = f"pgwarden_not_null_{_unquote(table).split('.')[-1]}_{_unquote(column)}"[:63]
    return f'"{base}"'


def for_live(script: str | None) -> str | None:
    """``script`` rearranged to run safely on a live database (see the module docstring)."""
    if not script:
        return script
    parts = statements(script)
    if any(p.upper() in ("BEGIN;", "START TRANSACTION;", "ROLLBACK;") for p in parts):
        return script
    # A bare COMMIT ends what must be committed before the rest (new enum labels, which PostgreSQL
    # refuses to use in the transaction that added them): each such part is a transaction of its own.
    committed: list[list[str]] = [[]]
    for part in parts:
        if part.upper() == "COMMIT;":
            committed.append([])
        else:
            committed[-1].append(part)
    first: list[str] = []
    for group in committed[:-1]:
        if group:
            first += ["BEGIN;", *_local(), *group, "COMMIT;"]
    parts = committed[-1]
    created = {_unquote(m.group(1)) for p in parts if (m := _CREATE_TABLE.match(p))}

    def existing(table: str) -> bool:
        return _unquote(table) not in created

    before: list[str] = []  # concurrent index builds that constraints are then added with
    main: list[str] = []
    validate: list[str] = []
    not_null: list[str] = []
    after: list[str] = []  # concurrent index builds and drops
    for part in parts:
        if (m := _CREATE_INDEX.match(part)) and existing(m.group(3)):
            after.append(
                f"CREATE {m.group(1) or ''}INDEX CONCURRENTLY IF NOT EXISTS {m.group(2)} ON {m.group(3)}{m.group(4)};"
            )
        elif (m := _DROP_INDEX.match(part)) and existing(m.group(1)):
            after.append(f"DROP INDEX CONCURRENTLY IF EXISTS {m.group(1)};")
        elif (
            (m := _ADD_CHECKED.match(part)) and existing(m.group(1)) and not m.group(3).endswith("NOT VALID")
        ):
            table, name = m.group(1), m.group(2)
            # IF EXISTS: a run whose validation failed left it NOT VALID; running the fix again works.
            main.append(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name};")
            main.append(f"ALTER TABLE {table} ADD CONSTRAINT {name} {m.group(3)} NOT VALID;")
            validate.append(f"ALTER TABLE {table} VALIDATE CONSTRAINT {name};")
        elif (m := _ADD_UNIQUE.match(part)) and existing(m.group(1)) and not _dropped(parts, m.group(2)):
            table, name, kind, columns = m.groups()
            before.append(f"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} {columns};")
            main.append(f"ALTER TABLE {table} ADD CONSTRAINT {name} {kind} USING INDEX {name};")
        elif (m := _SET_NOT_NULL.match(part)) and existing(m.group(1)):
            table, column = m.groups()
            check = _check_name(table, column)
            main.append(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {check};")
            main.append(f"ALTER TABLE {table} ADD CONSTRAINT {check} CHECK ({column} IS NOT NULL) NOT VALID;")
            validate.append(f"ALTER TABLE {table} VALIDATE CONSTRAINT {check};")
            not_null += [part, f"ALTER TABLE {table} DROP CONSTRAINT {check};"]
        else:
            main.append(part)
    out = [HEADER, *first]
    if before or after:
        out += _session()
    out += before
    for block in (main, validate, not_null):
        if block:
            out += ["BEGIN;", *_local(), *block, "COMMIT;"]
    out += after
    return "\n".join(out)


def _dropped(parts: list[str], name: str) -> bool:
    """Whether the script drops something named ``name`` first: its index cannot be built beforehand."""
    return any(p.startswith("ALTER TABLE") and f"DROP CONSTRAINT {name}" in p for p in parts)


def _local() -> list[str]:
    return [
        f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}';",
        f"SET LOCAL statement_timeout = '{STATEMENT_TIMEOUT}';",
    ]


def _session() -> list[str]:
    """For the statements outside a transaction; a concurrent build waits for old transactions, and
    may take long on a big table without holding a lock anyone waits for: no statement_timeout."""
    return [f"SET lock_timeout = '{LOCK_TIMEOUT}';", "SET statement_timeout = 0;"]
