"""PostgreSQL versions: catalog features of 18 as golden cases for check, diff and snapshot, and
``check`` with the live database and the scratch cluster on different majors (15 and 18, both ways).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from conftest import SERVERS

from pgwarden.catalog import inspect, serialize
from pgwarden.catalog.acl import with_privileges
from pgwarden.cli import main
from pgwarden.scratch import Binaries, Cluster, Scratch

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "telegram_bot"


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out, err)
    return code, out.getvalue(), err.getvalue()


def kinds(*args: str) -> tuple[int, list[str]]:
    code, out, err = cli(*args, "--format", "json")
    assert code in (0, 1), err
    return code, sorted(f["kind"] for f in json.loads(out)["findings"])


# --- PostgreSQL 18 catalog features --------------------------------------------------------
# (schema as the migrations write it, what happens to the live database, the findings expected)

CASES: dict[str, tuple[str, str, list[str]]] = {
    "not_null_named": (
        "CREATE TABLE users (id bigint PRIMARY KEY, email text, nick text NOT NULL,"
        " CONSTRAINT users_email_required NOT NULL email);",
        "ALTER TABLE users ALTER COLUMN email DROP NOT NULL;"
        # a NOT NULL's name is not drift: servers before 18 and models have none
        " ALTER TABLE users RENAME CONSTRAINT users_nick_not_null TO nick_named_by_hand;",
        ["nullability_mismatch"],
    ),
    "not_null_not_valid": (
        "CREATE TABLE jobs (id integer PRIMARY KEY, chat_id bigint NOT NULL);",
        # a NOT NULL added NOT VALID guarantees nothing about the rows already there
        "ALTER TABLE jobs ALTER COLUMN chat_id DROP NOT NULL;"
        " ALTER TABLE jobs ADD CONSTRAINT jobs_chat_id_required NOT NULL chat_id NOT VALID;",
        ["nullability_mismatch"],
    ),
    "virtual_generated": (
        "CREATE TABLE prices (id integer PRIMARY KEY, net numeric NOT NULL,"
        " gross numeric GENERATED ALWAYS AS (net * 1.2) VIRTUAL);",
        "ALTER TABLE prices DROP COLUMN gross;"
        " ALTER TABLE prices ADD COLUMN gross numeric GENERATED ALWAYS AS (net * 1.2) STORED;",
        ["identity_mismatch"],
    ),
    "without_overlaps": (
        "CREATE EXTENSION btree_gist;"
        " CREATE TABLE rooms (id integer, valid_at daterange, CONSTRAINT rooms_pk PRIMARY KEY (id, valid_at WITHOUT OVERLAPS));"
        " CREATE TABLE bookings (id integer PRIMARY KEY, room_id integer, during daterange,"
        " CONSTRAINT bookings_room_fk FOREIGN KEY (room_id, PERIOD during) REFERENCES rooms (id, PERIOD valid_at));",
        "ALTER TABLE bookings DROP CONSTRAINT bookings_room_fk; ALTER TABLE rooms DROP CONSTRAINT rooms_pk;"
        " ALTER TABLE rooms ADD CONSTRAINT rooms_pk PRIMARY KEY (id, valid_at);",
        ["constraint_mismatch", "missing_constraint"],
    ),
    "not_enforced": (
        # bigint: an integer key of a users table is a Telegram id (PW115), not what this case is about
        "CREATE TABLE users (id bigint PRIMARY KEY);"
        " CREATE TABLE orders (id integer PRIMARY KEY, user_id bigint, total numeric,"
        " CONSTRAINT orders_total_positive CHECK (total > 0) NOT ENFORCED,"
        " CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT ENFORCED);",
        "ALTER TABLE orders DROP CONSTRAINT orders_total_positive;"
        " ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0);"
        " ALTER TABLE orders ALTER CONSTRAINT orders_user_fk ENFORCED;",
        ["constraint_mismatch", "constraint_mismatch"],
    ),
}


@pytest.fixture
def pg18(scratch: Scratch) -> Scratch:
    """The session's server; the tests using it carry ``pg_version(min=18)`` (its catalog features)."""
    return scratch


@pytest.mark.pg_version(min=18)
@pytest.mark.parametrize("case", sorted(CASES))
def test_pg18_feature_in_check_diff_and_snapshot(
    case: str, pg18: Scratch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    schema, drift, expected = CASES[case]
    if case == "without_overlaps":
        with psycopg.connect(pg18.server_url) as c:
            if not c.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'btree_gist'").fetchone():
                pytest.skip("btree_gist is not available")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "001_schema.sql").write_text(schema + "\n")
    (tmp_path / "pgwarden.toml").write_text('migrations = "migrations"\n')
    (tmp_path / "snap.toml").write_text('snapshot = "schema.json"\n')
    live = pg18.create_database(case)
    dev = ("--dev-url", pg18.server_url)  # migrations in 18's syntax need an 18 scratch server
    try:
        with psycopg.connect(live, autocommit=True) as conn:
            conn.execute(schema)  # type: ignore[call-overload]
            before = with_privileges(conn, inspect(conn))  # a database source reads privileges too
        # snapshot: the file holds the feature and reads back as the same schema
        assert cli("snapshot", "--db", live, "-o", "schema.json")[0] == 0
        assert serialize.loads(Path("schema.json").read_text(), path=Path("schema.json")) == before
        # check: clean on both expected sources while the database matches
        assert kinds("check", "--db", live, *dev) == (0, [])
        assert kinds("--config", "snap.toml", "check", "--db", live) == (0, [])
        with psycopg.connect(live, autocommit=True) as conn:
            conn.execute(drift)  # type: ignore[call-overload]
        assert kinds("check", "--db", live, *dev)[1] == expected
        assert kinds("--config", "snap.toml", "check", "--db", live)[1] == expected
        # diff: the SQL it writes brings the database back to the migrations
        code, script, err = cli("diff", "--from", live, "--to", "migrations:migrations", "--sql", *dev)
        assert code == 0 and script.strip(), err
        with psycopg.connect(live, autocommit=True) as conn:
            conn.execute(script)  # type: ignore[call-overload]
        assert kinds("check", "--db", live, *dev) == (0, [])
    finally:
        pg18.drop_database(live)


# --- live database and scratch cluster on different majors ---------------------------------


@pytest.fixture(scope="module")
def two_majors() -> Iterator[dict[int, tuple[Binaries, Scratch]]]:
    """One running cluster per major of the session (the system's and the embedded one)."""
    binaries_only = [b for b in SERVERS if isinstance(b, Binaries)]
    if len(binaries_only) < 2:
        pytest.skip("needs two PostgreSQL majors (the system's and pgwarden[embedded]'s)")
    started: dict[int, tuple[Binaries, Scratch]] = {}
    try:
        for binaries in binaries_only[:2]:
            cluster = Cluster(binaries)
            started[binaries.version] = (binaries, Scratch(cluster.url, cluster=cluster))
            cluster.start()
        yield started
    finally:
        for _, s in started.values():
            s.close()


@pytest.mark.parametrize("direction", ["live-newer", "live-older"])
def test_check_across_majors(
    direction: str, two_majors: dict[int, tuple[Binaries, Scratch]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sample bot, live on one major, checked with a throwaway cluster of the other."""
    older, newer = sorted(two_majors)
    live_major, scratch_major = (newer, older) if direction == "live-newer" else (older, newer)
    live_server = two_majors[live_major][1]
    # pgwarden starts its own scratch cluster, from the other major's binaries
    monkeypatch.setenv("PGWARDEN_PG_BINDIR", str(two_majors[scratch_major][0].bindir))
    monkeypatch.chdir(EXAMPLE)
    clean = live_server.create_database("clean")
    drifted = live_server.create_database("drifted")
    try:
        code, _, err = cli("migrate", "up", "--db", clean)
        assert code == 0, err
        with psycopg.connect(drifted, autocommit=True) as conn:
            conn.execute((EXAMPLE / "production.sql").read_text(encoding="utf-8"))  # type: ignore[call-overload]
            assert conn.info.server_version // 10000 == live_major
        code, _, err = cli("-v", "check", "--db", clean)
        assert code == 0, err
        assert f"scratch PostgreSQL {scratch_major}" in err
        code, found = kinds("check", "--db", drifted)
        assert code == 1
        assert found == DRIFTED_EXAMPLE
    finally:
        live_server.drop_database(clean)
        live_server.drop_database(drifted)


# What the demo's drifted database shows, whichever majors are live and scratch.
DRIFTED_EXAMPLE = [
    "active-booking-has-chat-room",
    "missing_column",
    "missing_column",
    "missing_index",
    "missing_trigger",
    "probable_rename",
    "trigger_disabled",
]
