"""Defaults spelled differently by SQLAlchemy and by hand-written SQL are not drift."""

from __future__ import annotations

import pytest

from pgwarden.catalog import Column, Schema, Table
from pgwarden.diff import diff
from pgwarden.diff._defaults import same_default


@pytest.mark.parametrize(
    ("a", "b", "type_"),
    [
        ("'0'::numeric", "0", "numeric(12,2)"),
        ("'-1'::integer", "'-1'::integer", "integer"),
        ("'new'::character varying", "'new'::character varying", "character varying(20)"),
        (None, None, "text"),
        ("'0'::integer", "0", "integer"),
    ],
)
def test_same(a: str | None, b: str | None, type_: str) -> None:
    assert same_default(a, b, type_)


@pytest.mark.parametrize(
    ("a", "b", "type_"),
    [
        ("'0'::numeric", "1", "numeric"),
        ("'0'::text", "0", "integer"),  # a cast to another type is a different expression
        ("now()", "CURRENT_TIMESTAMP", "timestamp with time zone"),
        ("'x'::text", None, "text"),
        ("'it''s'::text", "'its'::text", "text"),
    ],
)
def test_different(a: str | None, b: str | None, type_: str) -> None:
    assert not same_default(a, b, type_)


def _schema(default: str) -> Schema:
    col = Column(name="amount", type="numeric(12,2)", nullable=False, default=default)
    return Schema(schemas=("public",), tables=(Table(schema="public", name="t", columns=(col,)),))


def test_diff_ignores_the_spelling() -> None:
    assert diff(_schema("'0'::numeric"), _schema("0")) == []
    assert [c.kind for c in diff(_schema("'1'::numeric"), _schema("0"))] == ["default_mismatch"]
