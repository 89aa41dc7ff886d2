"""doctor logs: DETAIL/HINT/CONTEXT lines and chained tracebacks stay one incident, sampled at the error line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from pgwarden.doctor import signature_catalog as catalog
from pgwarden.doctor.logs import analyze
from pgwarden.doctor.matcher import classify
from pgwarden.doctor.reader import LogSource
from pgwarden.doctor.report import render_text, to_dict
from pgwarden.urls import describe

LOG = Path(__file__).resolve().parents[2] / "fixtures" / "doctor" / "chained_tracebacks.log"


def test_detail_lines_and_chained_tracebacks_are_one_incident_each() -> None:
    report = analyze([LogSource("file", str(LOG))], jobs=1)
    data = to_dict(report)
    assert {i["signature"]: i["count"] for i in data["incidents"]} == {
        "pg-integer-out-of-range": 1,  # a CONTEXT line and a chained traceback: still one
        "pg-unique-violation": 1,  # a DETAIL line and "During handling of ...": still one
    }
    assert data["unclassified"] == []
    out = io.StringIO()
    render_text(report, out, color=False)
    text = out.getvalue()
    # The sample is the error line, not whatever the chain ends with.
    assert "| psycopg2.errors.NumericValueOutOfRange: integer out of range" in text
    assert (
        '| psycopg2.errors.UniqueViolation: duplicate key value violates unique constraint "users_pkey"'
        in text
    )
    assert "| RuntimeError: registration failed" not in text and "| (Background on this error" not in text


@pytest.mark.parametrize(
    "line",
    [
        "psycopg2.errors.NumericValueOutOfRange: integer out of range",
        "psycopg.errors.NumericValueOutOfRange: smallint out of range",
        "asyncpg.exceptions.DataError: invalid input for query argument $1: 6001234567 (value out of int32 range)",
        "2026-11-22 10:02:03.123 UTC [64] ERROR:  integer out of range",
    ],
)
def test_integer_out_of_range_is_known(line: str) -> None:
    signatures = catalog.load()
    index = classify(line, signatures)
    assert index is not None and signatures[index].id == "pg-integer-out-of-range"


@pytest.mark.parametrize(
    ("url", "label"),
    [
        ("postgresql:///app?host=/var/run/postgresql&port=5433", "/var/run/postgresql:5433/app"),
        ("postgresql://bot@%2Fvar%2Frun%2FPG:5433/app", "bot@/var/run/PG:5433/app"),
        ("postgresql://bot:pw@/app?host=%2Ftmp&port=5544", "bot@/tmp:5544/app"),
        (
            "host=/var/run/postgresql port=5433 dbname=app user=bot password=pw",
            "bot@/var/run/postgresql:5433/app",
        ),
        ("postgresql://bot@db:6432/app", "bot@db:6432/app"),
        ("postgresql://bot@/app", "bot@(local socket)/app"),
    ],
)
def test_the_database_label_keeps_a_socket_host_and_its_port(url: str, label: str) -> None:
    assert describe(url) == label
