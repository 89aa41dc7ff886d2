"""`pgwarden diff --sql --allow-destructive` on inherited tables keeps every row's values a child keeps.

Each case: rows in the actual database, the script applied in one transaction, then the
values read back. Before the fix, dropping a parent's column dropped the child's copy and
added it back empty; renames and type changes failed at apply; a parent's default
overwrote a child's own.
"""

from __future__ import annotations

import io
from typing import Any

import psycopg
import pytest

from pgwarden.catalog import inspect
from pgwarden.cli import main
from pgwarden.diff import diff
from pgwarden.scratch import Scratch

CASES: dict[str, tuple[str, str, str, dict[str, list[tuple[Any, ...]]]]] = {
    # name: (actual, expected, rows, {query: rows after})
    "parent_drops_a_column_a_child_keeps": (
        """CREATE TABLE base (id int, e int, gone text);
           CREATE TABLE keeps (k int) INHERITS (base);
           CREATE TABLE drops (d int) INHERITS (base);""",
        """CREATE TABLE base (id int);
           CREATE TABLE keeps (k int, e int) INHERITS (base);
           CREATE TABLE drops (d int) INHERITS (base);""",
        """INSERT INTO keeps VALUES (1, 7, 'x', 70); INSERT INTO drops VALUES (2, 8, 'y', 80);""",
        {"SELECT id, e, k FROM keeps": [(1, 7, 70)], "SELECT * FROM drops": [(2, 80)]},
    ),
    "three_levels": (
        """CREATE TABLE g (id int, x int);
           CREATE TABLE m (m int) INHERITS (g);
           CREATE TABLE l (l int) INHERITS (m);
           CREATE TABLE m2 (m int) INHERITS (g);
           CREATE TABLE l2 (l int) INHERITS (m2);""",
        """CREATE TABLE g (id int);
           CREATE TABLE m (m int) INHERITS (g);
           CREATE TABLE l (l int, x int) INHERITS (m);
           CREATE TABLE m2 (m int, x int) INHERITS (g);
           CREATE TABLE l2 (l int) INHERITS (m2);""",
        """INSERT INTO l VALUES (1, 2, 3, 4); INSERT INTO m2 VALUES (5, 6, 7); INSERT INTO l2 VALUES (8, 9, 10, 11);""",
        {
            "SELECT id, x, m, l FROM l": [(1, 2, 3, 4)],
            "SELECT id, x, m FROM ONLY m2": [(5, 6, 7)],
            "SELECT id, x, m, l FROM l2": [(8, 9, 10, 11)],
            "SELECT * FROM ONLY m": [],
        },
    ),
    "parent_renames_and_retypes": (
        """CREATE TABLE p (id int, old_name text NOT NULL, v int);
           CREATE TABLE c1 (z int) INHERITS (p);
           CREATE TABLE c2 (old_name text NOT NULL, v int) INHERITS (p);""",
        """CREATE TABLE p (id int, new_name text NOT NULL, v bigint);
           CREATE TABLE c1 (z int) INHERITS (p);
           CREATE TABLE c2 (new_name text NOT NULL, v bigint) INHERITS (p);""",
        """INSERT INTO c1 VALUES (1, 'a', 2, 3); INSERT INTO c2 VALUES (4, 'b', 5);""",
        {
            "SELECT id, new_name, v, z FROM c1": [(1, "a", 2, 3)],
            "SELECT id, new_name, v FROM c2": [(4, "b", 5)],
        },
    ),
    "parent_default_and_added_column": (
        """CREATE TABLE p (id int, v int DEFAULT 1);
           CREATE TABLE own_default () INHERITS (p);
           ALTER TABLE own_default ALTER COLUMN v SET DEFAULT 5;
           CREATE TABLE follows () INHERITS (p);""",
        """CREATE TABLE p (id int, v int DEFAULT 2, src text);
           CREATE TABLE own_default (src text) INHERITS (p);
           ALTER TABLE own_default ALTER COLUMN v SET DEFAULT 5;
           CREATE TABLE follows () INHERITS (p);""",
        "",
        {},
    ),
    "child_leaves_a_parent_that_is_dropped": (
        """CREATE TABLE p (id int, x int);
           CREATE TABLE c (y int) INHERITS (p);""",
        """CREATE TABLE c (id int, x int, y int);""",
        """INSERT INTO c VALUES (1, 2, 3);""",
        {"SELECT id, x, y FROM c": [(1, 2, 3)]},
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_script_keeps_the_childrens_values(scratch: Scratch, name: str) -> None:
    actual_sql, expected_sql, rows, after = CASES[name]
    a_url, b_url = scratch.create_database("inh_a"), scratch.create_database("inh_b")
    try:
        with psycopg.connect(a_url, autocommit=True) as a, psycopg.connect(b_url, autocommit=True) as b:
            a.execute(actual_sql)
            b.execute(expected_sql)
            if rows:
                a.execute(rows)
            out = io.StringIO()
            argv = ["diff", "--from", a_url, "--to", b_url, "--sql", "--allow-destructive"]
            assert main(argv, out, io.StringIO()) == 0
            script = out.getvalue()
            with a.transaction():
                a.execute(script)
            assert diff(inspect(b), inspect(a)) == [], script
            for query, want in after.items():
                assert a.execute(query).fetchall() == want, f"{query}\n{script}"
    finally:
        scratch.drop_database(a_url)
        scratch.drop_database(b_url)
