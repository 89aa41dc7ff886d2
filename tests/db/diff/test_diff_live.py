"""`pgwarden diff` between two live databases, which it reads at the same time."""

from __future__ import annotations

import io
import json

import psycopg

from pgwarden.cli import main
from pgwarden.scratch import Scratch


def test_two_live_databases_are_compared_both_ways(scratch: Scratch, db_url: str) -> None:
    other = scratch.create_database("diff_live_b")
    try:
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute("CREATE TABLE jobs (id bigint PRIMARY KEY, chat_id bigint, note text)")
        with psycopg.connect(other, autocommit=True) as conn:
            conn.execute("CREATE TABLE jobs (id bigint PRIMARY KEY, chat_id bigint)")
            conn.execute("CREATE TABLE users (id bigint PRIMARY KEY)")
        out = io.StringIO()
        assert main(["diff", "--from", other, "--to", db_url, "--format", "json"], out, io.StringIO()) == 1
        kinds = sorted((f["kind"], f["object"]) for f in json.loads(out.getvalue())["findings"])
        assert kinds == [("extra_table", "public.users"), ("missing_column", "public.jobs.note")]
        out = io.StringIO()
        assert main(["diff", "--from", db_url, "--to", other, "--sql"], out, io.StringIO()) == 0
        assert 'CREATE TABLE "public"."users"' in out.getvalue()
        assert "note" in out.getvalue()  # the column to drop, commented out unless destructive is allowed
    finally:
        scratch.drop_database(other)


def test_an_unreachable_from_is_reported_even_when_to_is_fine(db_url: str) -> None:
    bad = db_url.replace("/pgwarden_", "/no_such_database_", 1)
    assert bad != db_url
    err = io.StringIO()
    assert main(["diff", "--from", bad, "--to", db_url], io.StringIO(), err) == 3
    assert "no_such_database_" in err.getvalue()
    assert "Traceback" not in err.getvalue()
