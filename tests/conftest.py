"""Shared fixtures: real throwaway PostgreSQL servers, one per available major version."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from pgwarden.scratch import Binaries, Cluster, Scratch, find_binaries


def _pgserver_binaries() -> Binaries | None:
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        return None
    bindir = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    old = os.environ.get("PGWARDEN_PG_BINDIR")
    os.environ["PGWARDEN_PG_BINDIR"] = str(bindir)
    try:
        found = find_binaries()
    finally:
        if old is None:
            del os.environ["PGWARDEN_PG_BINDIR"]
        else:
            os.environ["PGWARDEN_PG_BINDIR"] = old
    return found if found and found.bindir == bindir else None


def _servers() -> list[Binaries]:
    """The machine's newest system PostgreSQL and the pgserver wheel's, when they differ."""
    found: list[Binaries] = []
    for binaries in (find_binaries(), _pgserver_binaries()):
        if binaries and all(b.version != binaries.version for b in found):
            found.append(binaries)
    return found


SERVERS = _servers()


@pytest.fixture(scope="session", params=SERVERS, ids=[f"pg{b.version}" for b in SERVERS])
def scratch(request: pytest.FixtureRequest) -> Iterator[Scratch]:
    """A running throwaway cluster for the whole session, one per PostgreSQL major."""
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


@pytest.fixture
def conn(db_url: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(db_url, autocommit=True) as c:
        yield c


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/db/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.db)
