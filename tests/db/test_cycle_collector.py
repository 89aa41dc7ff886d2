"""``diff`` and ``snapshot`` of live databases turn the cycle collector off while they read, and
leave it as they found it (tests and library callers run commands in one process)."""

from __future__ import annotations

import gc
import io
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from pgwarden.cli import main


@pytest.fixture
def collector_restored() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    if enabled:
        gc.enable()
    else:
        gc.disable()


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_left_as_found(
    db_url: str, tmp_path: Path, enabled: bool, collector_restored: None
) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE jobs (id bigint PRIMARY KEY, note text)")
    (gc.enable if enabled else gc.disable)()
    out = io.StringIO()
    assert main(["snapshot", "--db", db_url, "-o", str(tmp_path / "s.json")], out, io.StringIO()) == 0
    assert gc.isenabled() is enabled
    assert main(["diff", "--from", db_url, "--to", db_url, "--format", "json"], out, io.StringIO()) == 0
    assert gc.isenabled() is enabled
    assert '"jobs"' in (tmp_path / "s.json").read_text()
