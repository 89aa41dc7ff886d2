"""A source-vs-live finding names its source as it is, not "the code" or "the expected schema"."""

from __future__ import annotations

import pytest
from test_integer_keys import schema

from pgwarden.catalog.model import Schema
from pgwarden.contract import Expected
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
