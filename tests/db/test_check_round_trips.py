"""How often a warm ``pgwarden check`` waits for the live database: each wait costs a remote
database's latency (a managed PostgreSQL, a PaaS), so independent reads share a round trip."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import psycopg
import pytest
from trace_helpers import traced_connections

from pgwarden.cli import main
from pgwarden.runtime.leadership import sql_text

MODELS = """
from sqlalchemy import BigInteger, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(40))
"""

MIGRATION = "CREATE TABLE users (id bigint PRIMARY KEY, name varchar(40) NOT NULL);\n"

CONFIG = """models = "rt_models:Base"
migrations = "migrations"

[[expect.settings]]
name = "session_replication_role"
value = "origin"

[[invariants]]
name = "named-users"
check = "SELECT id FROM users WHERE name = ''"
"""


def waits(path: Path) -> list[str]:
    """Each time the client waited for the server on one traced connection: a simple ``Query``, a
    ``Sync``, and a ``Flush`` that is not right behind a ``Sync`` (a pipeline read before its end)."""
    found: list[str] = []
    previous = ""
    for line in path.read_text(errors="replace").splitlines():
        fields = line.split("\t")
        if len(fields) < 3 or fields[0] != "F":
            continue
        kind = fields[2]
        if kind == "Query" or kind == "Sync" or (kind == "Flush" and previous != "Sync"):
            found.append(f"{kind} {' '.join(fields[3:])[:70]}")
        previous = kind
    return found


def check(root: Path, db_url: str, expected: int) -> str:
    out, err = io.StringIO(), io.StringIO()
    code = main(["--config", str(root / "pgwarden.toml"), "check", "--db", db_url], out, err)
    assert code == expected, out.getvalue() + err.getvalue()
    return out.getvalue()


def register(db_url: str) -> None:
    """An instance of ``pgwarden run`` that is not ready: ``check`` reads and reports it."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(sql_text("schema.sql").encode())
        conn.execute(
            "INSERT INTO pgwarden.instances (id, name, host, pid, role, code_version, ready, reasons) "
            "VALUES (%s, 'bot', 'vm1', 4242, 'standby', 'abc123', false, %s)",
            (uuid.uuid4(), ["migrations are not at head"]),
        )


@pytest.mark.parametrize(("registered", "expected"), [(False, 6), (True, 7)], ids=["alone", "instances"])
def test_a_warm_check_waits_for_the_live_database_once_per_dependent_read(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch, registered: bool, expected: int
) -> None:
    monkeypatch.setenv("PGWARDEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PGWARDEN_NO_CACHE", raising=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "rt_models.py").write_text(MODELS)
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "001_users.sql").write_text(MIGRATION)
    (tmp_path / "pgwarden.toml").write_text(CONFIG)
    assert main(["--config", str(tmp_path / "pgwarden.toml"), "migrate", "up", "--db", db_url]) == 0
    if registered:
        register(db_url)
    code = 1 if registered else 0
    cold = check(tmp_path, db_url, code)  # builds the expected schemas on a scratch server, then caches them
    (tmp_path / "traces").mkdir()
    with traced_connections(tmp_path / "traces") as traces:
        warm = check(tmp_path, db_url, code)
    assert warm == cold
    assert len(traces) == 1, "a warm check opens the live connection only (no scratch server)"
    sent = waits(traces[0])
    # The transaction with the enforcement, privilege, instances, declared settings and ledger-table
    # reads; the ledger's rows; the catalog's settings and schemas; the other catalog queries; ROLLBACK
    # (which also ends the catalog's settings). The invariant: its transaction, timeout, query and
    # ROLLBACK. With instances (seen in the opening): their transaction, instances, leases and ROLLBACK.
    # 22 and 24 before: most were a round trip of their own, the invariant's query was read before
    # its pipeline's end, and pgwarden.instances was probed in a transaction of its own; then 8 and
    # 11 while the ledger's table was probed alone, the invariant's ROLLBACK waited alone and the
    # instances were probed again.
    assert len(sent) == expected, "\n".join(sent)
