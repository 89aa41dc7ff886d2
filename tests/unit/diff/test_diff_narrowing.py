"""Which type changes can lose a stored value (and get a guard), and which cannot."""

from __future__ import annotations

import pytest

from pgwarden.diff._narrowing import classify

WIDENING = [
    ("smallint", "integer"),
    ("integer", "bigint"),
    ("integer", "numeric"),
    ("integer", "numeric(10,0)"),
    ("bigint", "numeric(19,0)"),
    ("integer", "double precision"),
    ("smallint", "real"),
    ("real", "double precision"),
    ("numeric(10,2)", "numeric(12,2)"),
    ("numeric(10,2)", "numeric(11,3)"),
    ("numeric(10,2)", "numeric"),
    ("character varying(5)", "character varying(10)"),
    ("character varying(5)", "text"),
    ("character(5)", "character varying(5)"),
    ("timestamp(0) without time zone", "timestamp(3) without time zone"),
    ("timestamp(3) without time zone", "timestamp without time zone"),
    ("date", "timestamp without time zone"),
    ("text", "jsonb"),
    ("text", "integer"),
    ("public.status", "text"),
    ("character varying(10)[]", "character varying(5)[]"),
]

NARROWING = [
    ("character varying(10)", "character varying(5)", "cut to 5 characters"),
    ("text", "character(2)", "cut to 2 characters"),
    ("bigint", "integer", "out of range for integer"),
    ("numeric", "bigint", "rounded to a whole number"),
    ("numeric(10,2)", "numeric(10,1)", "rounded to 1 decimal places"),
    ("numeric", "numeric(10,2)", "rounded to 2 decimal places"),
    ("integer", "numeric(5,0)", "too large for numeric(5,0)"),
    ("double precision", "real", "6 digits"),
    ("bigint", "double precision", "15 digits"),
    ("timestamp with time zone", "date", "the time of day is lost"),
    ("time(6) without time zone", "time(0) without time zone", "rounded"),
    ("bit varying(8)", "bit varying(4)", "cut to 4 bits"),
]


@pytest.mark.parametrize(("old", "new"), WIDENING)
def test_a_change_that_keeps_every_value_has_no_guard(old: str, new: str) -> None:
    assert classify(old, new) is None


@pytest.mark.parametrize(("old", "new", "loses"), NARROWING)
def test_a_change_that_can_lose_a_value_says_how(old: str, new: str, loses: str) -> None:
    narrowing = classify(old, new)
    assert narrowing is not None and loses in narrowing.loses
    assert "{c}" in narrowing.rows
