"""Property: over generated (models, migrations, live) triples, no two findings carry fixes that undo each other.

The comparison is pure (schemas in, findings out), so thousands of triples run without a server.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pgwarden.catalog.model import Column, Constraint, Index, Schema, Table
from pgwarden.contract import Expected
from pgwarden.contract.expected import MODEL_OBJECT_TYPES
from pgwarden.contract.integer_keys import AUTO_SUFFIX
from pgwarden.findings import Finding
from pgwarden.orchestrator import compare

TYPES = ("integer", "bigint", "text", "jsonb")
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
    columns = [
        Column(
            "id",
            "bigint",
            nullable=False,
            default=draw(st.sampled_from([None, "nextval('public.t_id_seq'::regclass)"])),
        )
    ]
    for name in ("a", "b", "c"):
        if draw(st.booleans()):
            columns.append(Column(name, draw(st.sampled_from(TYPES)), nullable=draw(st.booleans())))
    indexes = [KEY_INDEX]
    if any(c.name == "a" for c in columns) and draw(st.booleans()):
        indexes.append(Index("ix_t_a", "CREATE INDEX ix_t_a ON public.t USING btree (a)", ("a",)))
    return Schema(
        schemas=("public",),
        tables=(Table("public", "t", columns=tuple(columns), constraints=(KEY,), indexes=tuple(indexes)),),
    )


def _family(kind: str) -> str:
    return "exists" if kind.startswith(("missing_", "extra_")) else kind


def undoes(a: Finding, b: Finding) -> bool:
    """Whether applying ``b``'s fix reverts what ``a``'s fix does to the same object."""
    x, y = (a.fix_sql or "").upper(), (b.fix_sql or "").upper()
    if not x or not y or a.object != b.object:
        return False
    creates = ("CREATE INDEX", "ADD COLUMN", "SET NOT NULL", "SET DEFAULT")
    drops = ("DROP INDEX", "DROP COLUMN", "DROP NOT NULL", "DROP DEFAULT")
    for make, unmake in zip(creates, drops, strict=True):
        if (make in x and unmake in y) or (unmake in x and make in y):
            return True
    return "TYPE" in x and "TYPE" in y and x != y


@settings(max_examples=400, deadline=None)
@given(models=schemas(), migrations=schemas(), live=schemas(), implicit=st.booleans())
def test_no_two_findings_undo_each_other_and_a_lagging_model_gets_no_live_sql(
    models: Schema, migrations: Schema, live: Schema, implicit: bool
) -> None:
    attributes = {"public.t.id": "T.id", "public.t.id#classic": "Column"}
    if implicit:
        attributes["public.t.id" + AUTO_SUFFIX] = "auto"
    sources = [
        Expected("app:Base", "models", models, attributes=attributes, covers=MODEL_OBJECT_TYPES),
        Expected("migrations", "migrations", migrations),
    ]
    found = compare(sources, live).findings
    # One finding per object and attribute: never a models-vs-migrations finding beside a
    # migrations-vs-live one about the same thing; each shows the three states.
    seen = [(f.object, _family(f.kind)) for f in found if f.kind != "probable_rename"]
    assert len(seen) == len(set(seen)), found
    for f in found:
        assert set(f.evidence["states"]) == {"models", "migrations", "live"}, f
    for i, a in enumerate(found):
        for b in found[i + 1 :]:
            assert not undoes(a, b), (a, b)
        if a.evidence.get("lags") == "models":
            assert a.fix_sql is None, a
        if a.fix_sql:  # never lose data unasked: a column only live has is not dropped by a fix
            assert "DROP COLUMN" not in a.fix_sql.upper(), a
            assert "CREATE SEQUENCE" not in a.fix_sql.upper() or not implicit, a
