"""Property on a real database: applying one direction's fixes converges.

For generated (models, migrations, live) triples, live is built on a scratch database, every fix
offered for live runs there as psql would run it (statement by statement), and the comparison is
made again: no fix fails, no new drift appears, and no finding is left with SQL for live. Each
example costs a database, so the count is bounded; the pure property over many more triples is
tests/unit/contract/test_three_way_fixes.py.
"""

from __future__ import annotations

import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pgwarden.catalog import inspect
from pgwarden.catalog.model import Column, Constraint, Index, Schema, Table
from pgwarden.contract import Expected
from pgwarden.contract.expected import MODEL_OBJECT_TYPES
from pgwarden.diff import diff, plan
from pgwarden.diff.live_fix import statements
from pgwarden.findings import Finding
from pgwarden.orchestrator import compare
from pgwarden.scratch import Scratch

TYPES = ("integer", "bigint", "text", "character varying(20)")
KEY = Constraint("t_pkey", "primary_key", "PRIMARY KEY (id)", columns=("id",))
KEY_INDEX = Index(
    "t_pkey",
    "CREATE UNIQUE INDEX t_pkey ON public.t USING btree (id)",
    ("id",),
    True,
    True,
    constraint="t_pkey",
)


@st.composite
def schemas(draw: st.DrawFn) -> Schema:
    columns = [Column("id", "bigint", nullable=False)]
    for name in ("a", "b"):
        if draw(st.booleans()):
            columns.append(Column(name, draw(st.sampled_from(TYPES)), nullable=draw(st.booleans())))
    indexes = [KEY_INDEX]
    if any(c.name == "a" for c in columns) and draw(st.booleans()):
        indexes.append(Index("ix_t_a", "CREATE INDEX ix_t_a ON public.t USING btree (a)", ("a",)))
    table = Table("public", "t", columns=tuple(columns), constraints=(KEY,), indexes=tuple(indexes))
    return Schema(schemas=("public",), tables=(table,))


def _live_fixes(found: list[Finding]) -> list[Finding]:
    return [f for f in found if f.fix_sql and f.evidence.get("where") in ("three_way", "migrations_vs_live")]


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(models=schemas(), migrations=schemas(), live=schemas())
def test_applying_the_live_fixes_converges(
    models: Schema, migrations: Schema, live: Schema, scratch: Scratch
) -> None:
    sources = [
        Expected("app:Base", "models", models, attributes={"public.t.id": "T.id"}, covers=MODEL_OBJECT_TYPES),
        Expected("migrations", "migrations", migrations),
    ]
    url = scratch.create_database("converge")
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            for statement in plan(diff(live, Schema(schemas=("public",)))):
                conn.execute(statement.sql)  # type: ignore[arg-type]
            before = compare(sources, inspect(conn)).findings
            for finding in _live_fixes(before):
                for statement in statements(finding.fix_sql or ""):
                    conn.execute(statement)  # type: ignore[arg-type]  # a failing fix fails the test
            after = compare(sources, inspect(conn)).findings
    finally:
        scratch.drop_database(url)
    assert not _live_fixes(after), after
    # No fix made new drift: what is left is about objects that differed before (the models' side).
    assert {f.object for f in after} <= {f.object for f in before}, (before, after)
