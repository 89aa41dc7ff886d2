"""A direct TCP connection is known as such in one query; a socket or a real PgBouncer never is."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from pooler_helpers import PgBouncer, available
from psycopg.conninfo import conninfo_to_dict
from trace_helpers import round_trips, traced_connections

from pgwarden.pooling import SESSION, direct
from pgwarden.runtime.leadership import sql_text
from pgwarden.scratch import Scratch


def test_a_direct_tcp_connection_is_known_in_one_query(tcp_db_url: str) -> None:
    with psycopg.connect(tcp_db_url, autocommit=True) as conn:
        found = direct(conn)
    assert found is not None and found.mode == SESSION and found.session_state
    assert found.describe() == "direct PostgreSQL (the server sees this client's own TCP connection)"


def test_a_unix_socket_is_left_to_the_probe(db_url: str) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        assert direct(conn) is None


@pytest.fixture(params=["transaction", "session"])
def bouncer_over_tcp(
    request: pytest.FixtureRequest, tcp_scratch: Scratch, tcp_db_url: str
) -> Iterator[PgBouncer]:
    if not available():
        pytest.skip("pgbouncer is not installed (Debian: apt-get install pgbouncer)")
    assert tcp_scratch.cluster is not None
    bouncer = PgBouncer(
        tcp_scratch.cluster, request.param, tcp_password=conninfo_to_dict(tcp_db_url)["password"]
    )
    bouncer.start()
    try:
        yield bouncer
    finally:
        bouncer.close()


def test_a_pooler_that_reaches_postgres_over_tcp_is_never_taken_for_it(
    bouncer_over_tcp: PgBouncer, tcp_db_url: str
) -> None:
    # The pooler's own server connections are TCP ones on this host: the server's view of them has an
    # address and port, which must never pass for ours.
    url = bouncer_over_tcp.url(tcp_db_url)
    clients = [psycopg.connect(url, autocommit=True) for _ in range(8)]
    try:
        for conn in clients:
            assert conn.execute("SELECT pg_catalog.inet_client_port() IS NOT NULL").fetchone() == (True,)
            assert direct(conn) is None
    finally:
        for conn in clients:
            conn.close()


def test_status_over_direct_tcp_reads_and_answers_on_one_connection(tcp_db_url: str, tmp_path: Path) -> None:
    import io

    from pgwarden.cli import main

    def status() -> tuple[str, list[int]]:
        out = io.StringIO()
        with traced_connections(tmp_path) as traces:
            assert main(["status", "--db", tcp_db_url], out=out, err=io.StringIO()) in (0, 1)
        direct = "connection: direct PostgreSQL (the server sees this client's own TCP connection)"
        assert direct in out.getvalue(), out.getvalue()
        return out.getvalue(), [round_trips([t]) for t in traces]

    # One round trip: whether an instance ever registered and the pooler question (was 4).
    shown, trips = status()
    assert "no pgwarden instance has registered" in shown and trips == [1]
    with psycopg.connect(tcp_db_url, autocommit=True) as conn:
        conn.execute(sql_text("schema.sql").encode())
        conn.execute(
            "INSERT INTO pgwarden.instances (id, name, host, pid, role, code_version, ready, reasons) "
            "VALUES (gen_random_uuid(), 'bot', 'vm1', 4242, 'standby', 'abc123', true, '{}')"
        )
    # Then the instances and leases with their transaction's BEGIN and ROLLBACK (was 5).
    shown, trips = status()
    assert "vm1:4242" in shown and trips == [2]


def test_the_leases_asyncio_connection_is_known_direct_in_one_query(tcp_db_url: str) -> None:
    import asyncio

    from pgwarden.pooling import Pooling, direct_async

    async def ask() -> Pooling | None:
        async with await psycopg.AsyncConnection.connect(tcp_db_url, autocommit=True) as conn:
            return await direct_async(conn)

    found = asyncio.run(ask())
    assert found is not None and found.mode == SESSION
    assert found.describe() == "direct PostgreSQL (the server sees this client's own TCP connection)"
