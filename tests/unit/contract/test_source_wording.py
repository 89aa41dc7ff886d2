"""A source-vs-live finding names its source as it is, not "the code" or "the expected schema"."""

from __future__ import annotations

from dataclasses import replace

import pytest
from test_integer_keys import schema

from pgwarden.catalog.model import Schema
from pgwarden.contract import Expected
from pgwarden.contract.expected import alembic_heads
from pgwarden.orchestrator import compare


@pytest.mark.parametrize(
    ("kind", "label", "who"),
    [
        ("snapshot", "schema.json", "the snapshot schema.json"),
        ("migrations", "db/migrations", "the migrations (db/migrations)"),
        ("migrations", "migrations", "the migrations"),
        ("models", "app.db:Base", "the models (app.db:Base)"),
    ],
)
def test_a_source_vs_live_message_names_the_source_as_it_is(kind: str, label: str, who: str) -> None:
    [missing] = compare([Expected(label, kind, schema(False))], Schema(schemas=("public",))).findings  # type: ignore[arg-type]
    assert missing.message.startswith(f"Table public.t is in {who} but not in the database:"), missing.message
    assert missing.evidence["source"] == label and missing.evidence["where"] == f"{kind}_vs_live"


@pytest.mark.parametrize(
    ("label", "heads", "who"),
    [
        ("migrations", ("e2d8a1f4b905",), "the migrations (Alembic head e2d8a1f4b905)"),
        ("alembic.ini", ("e2d8a1f4b905",), "the migrations (alembic.ini, Alembic head e2d8a1f4b905)"),
        ("alembic.ini", ("a1", "b2"), "the migrations (alembic.ini, Alembic heads a1, b2)"),
    ],
)
def test_an_alembic_chain_is_named_by_its_head_revision_too(
    label: str, heads: tuple[str, ...], who: str
) -> None:
    source = Expected(label, "migrations", schema(False), heads=heads)
    assert source.name == f"{label} ({alembic_heads(heads)})"
    assert alembic_heads(("e2d8a1f4b905",)) == "Alembic head e2d8a1f4b905"
    [missing] = compare([source], Schema(schemas=("public",))).findings
    assert missing.message.startswith(f"Table public.t is in {who} but not in the database:"), missing.message
    assert missing.evidence["source"] == label and missing.evidence["alembic_heads"] == list(heads)


@pytest.mark.parametrize(
    ("kind", "who"),
    [
        ("migrations", "the migrations (x) have"),
        ("models", "the models (x) have"),
        ("snapshot", "the snapshot x has"),
    ],
)
def test_the_verb_agrees_with_the_source(kind: str, who: str) -> None:
    wide = schema(False)
    [t] = wide.tables
    narrow = replace(wide, tables=(replace(t, columns=(replace(t.columns[0], type="integer"),)),))
    [typed] = compare([Expected("x", kind, wide)], narrow).findings  # type: ignore[arg-type]
    assert typed.message == f"Column public.t.id is integer in the database but {who} bigint."
