"""A narrowing type change never cuts or rounds a stored value: its guard stops the fix, and nothing changes."""

from __future__ import annotations

import dataclasses
from typing import Any

import psycopg
import pytest

from pgwarden.catalog import Schema, inspect
from pgwarden.diff import diff, render_sql, to_findings

# (old type, new type, a value that does not survive, a value that does, how it reads back)
CASES = [
    ("character varying(10)", "character varying(5)", "'zh-Hant'", "'en'", "en"),
    ("text", "character varying(5)", "'zh-Hant'", "'en'", "en"),
    ("character varying(10)", "character(5)", "'zh-Hant'", "'en'", "en"),
    ("bigint", "integer", "3000000000", "42", "42"),
    ("integer", "smallint", "70000", "-7", "-7"),
    ("numeric(10,2)", "numeric(10,1)", "2.55", "2.50", "2.5"),
    ("numeric(10,2)", "numeric(4,2)", "123.00", "12.34", "12.34"),
    ("numeric", "integer", "2.5", "3", "3"),
    ("double precision", "bigint", "1.25", "8", "8"),
    ("double precision", "real", "0.1234567891", "0.5", "0.5"),
    ("bigint", "double precision", "9007199254740993", "12", "12"),
    ("timestamp without time zone", "date", "'2024-01-01 12:00'", "'2024-01-02'", "2024-01-02"),
    (
        "timestamp(6) with time zone",
        "timestamp(0) with time zone",
        "'2024-01-01 12:00:00.5+00'",
        "'2024-01-01 12:00:01+00'",
        None,
    ),
    ("integer", "character varying(3)", "1234", "123", "123"),
]


def _retyped(schema: Schema, column: str, new: str) -> Schema:
    [table] = schema.tables
    columns = tuple(dataclasses.replace(c, type=new) if c.name == column else c for c in table.columns)
    return dataclasses.replace(schema, tables=(dataclasses.replace(table, columns=columns),))


def _value(conn: psycopg.Connection[Any]) -> tuple[str, str]:
    row = conn.execute(
        "SELECT v::text, format_type(atttypid, atttypmod) FROM t, pg_attribute "
        "WHERE attrelid = 't'::regclass AND attname = 'v' ORDER BY id LIMIT 1"
    ).fetchone()
    assert row is not None
    return row[0], row[1]


@pytest.mark.parametrize(
    ("old", "new", "bad", "good", "reads"), CASES, ids=[f"{c[0]}->{c[1]}" for c in CASES]
)
def test_a_value_that_would_not_survive_stops_the_fix_and_nothing_changes(
    conn: psycopg.Connection[Any], old: str, new: str, bad: str, good: str, reads: str | None
) -> None:
    conn.execute("SET TimeZone = 'UTC'")
    conn.execute(f"CREATE TABLE t (id integer PRIMARY KEY, v {old})")
    conn.execute(f"INSERT INTO t VALUES (1, {good}), (2, {bad}), (3, NULL)")
    actual = inspect(conn)
    expected = _retyped(actual, "v", new)
    changes = diff(expected, actual)
    [finding] = to_findings(changes, attributes={})
    assert "narrower" in finding.message and finding.evidence["narrowing"]
    script = render_sql(changes)
    assert "DO $pgwarden_guard$" in script
    assert "-- " not in script.split("DO", 1)[0], "the fix is not commented out: it is safe to run"
    before = conn.execute("SELECT v::text FROM t ORDER BY id").fetchall()

    with pytest.raises(psycopg.errors.RaiseException) as raised:
        conn.execute(script)
    assert "1 row(s) of public.t.v would be" in str(raised.value)
    assert "nothing was changed" in str(raised.value)
    assert raised.value.diag.message_hint and "SELECT * FROM" in raised.value.diag.message_hint
    assert conn.execute("SELECT v::text FROM t ORDER BY id").fetchall() == before
    assert _value(conn)[1] == old

    # Run statement by statement past the guard's error (psql without ON_ERROR_STOP), the
    # ALTER refuses the value itself.
    alter = script.split("$pgwarden_guard$;", 1)[1]
    with pytest.raises(psycopg.errors.DataError):
        conn.execute(alter)
    assert conn.execute("SELECT v::text FROM t ORDER BY id").fetchall() == before
    assert _value(conn)[1] == old

    # The hint's query finds exactly the row to change; without it the same fix runs.
    hint = raised.value.diag.message_hint
    found = conn.execute(hint[hint.index("SELECT") : hint.index(";")]).fetchall()
    assert [r[0] for r in found] == [2]
    conn.execute("DELETE FROM t WHERE id = 2")
    conn.execute(script)
    value, type_ = _value(conn)
    assert type_ == new
    if reads is not None:
        assert value == reads
    assert diff(expected, inspect(conn)) == []


def test_a_widening_change_has_no_guard_and_text_to_integer_fails_safely_by_itself(
    conn: psycopg.Connection[Any],
) -> None:
    conn.execute("CREATE TABLE t (id integer PRIMARY KEY, v text, w integer)")
    conn.execute("INSERT INTO t VALUES (1, 'abc', 5)")
    actual = inspect(conn)
    expected = _retyped(_retyped(actual, "v", "integer"), "w", "bigint")
    script = render_sql(diff(expected, actual))
    assert "pgwarden_guard" not in script
    with pytest.raises(psycopg.errors.InvalidTextRepresentation):
        conn.execute(script)
    assert conn.execute("SELECT v, w FROM t").fetchone() == ("abc", 5)
