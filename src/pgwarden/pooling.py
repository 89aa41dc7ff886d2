"""Is a pooler in transaction (or statement) mode between pgwarden and PostgreSQL? Found by behaviour.

Port numbers and host names say nothing reliable (Supabase's pooler listens on 6543, a VPS's
PgBouncer on 5432 or anything else). What does: in transaction mode a client connection has no
server connection of its own, so ``pg_backend_pid()`` can change from one transaction to the
next, and a second client is handed the server connection the first one just used (PgBouncer
reuses the most recently released one). Directly on PostgreSQL, and through a pooler in session
mode, neither can happen: both behave the same for pgwarden (session state holds).

The probe needs two client connections, and never keeps a transaction open on one while it
queries the other, so a pool of size 1 cannot deadlock it. Before it, one query settles the common
case (:func:`direct`): when the server's end of the connection has our socket's two addresses and
ports, that TCP connection is the very one we opened, and no pooler can sit in it.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg

__all__ = [
    "SESSION",
    "STATEMENT",
    "TRANSACTION",
    "Pooling",
    "asking_direct",
    "classify",
    "direct",
    "direct_async",
    "probe",
    "probe_async",
    "same_connection",
]

SESSION = "session"
TRANSACTION = "transaction"
STATEMENT = "statement"

_ROUNDS = 3
_PID = b"SELECT pg_catalog.pg_backend_pid()"
# One message that leaves the transaction open: a pooler in statement mode refuses it there (a
# BEGIN…COMMIT in one message would pass it), so the COMMIT goes in a message of its own.
_IN_TRANSACTION = b"BEGIN; " + _PID
# The server's view of this connection's two ends (null on a Unix socket).
_ENDS = (
    b"SELECT pg_catalog.host(pg_catalog.inet_client_addr()), pg_catalog.inet_client_port(), "
    b"pg_catalog.host(pg_catalog.inet_server_addr()), pg_catalog.inet_server_port()"
)
_DIRECT = "the server sees this client's own TCP connection"


@dataclass(frozen=True)
class Pooling:
    """What the probe found: ``mode`` is ``session``, ``transaction`` or ``statement``."""

    mode: str
    evidence: str

    @property
    def session_state(self) -> bool:
        """True when session state (advisory locks, SET, prepared statements) holds on this URL."""
        return self.mode == SESSION

    def describe(self) -> str:
        if self.evidence == _DIRECT:
            return f"direct PostgreSQL ({self.evidence})"
        if self.mode == SESSION:
            return f"direct PostgreSQL or a pooler in session mode ({self.evidence})"
        return f"a connection pooler in {self.mode} mode ({self.evidence})"

    def to_dict(self) -> dict[str, Any]:
        return {"mode": self.mode, "session_state": self.session_state, "evidence": self.evidence}


def classify(rounds: list[tuple[int, int, int]]) -> Pooling:
    """Each round: our pid, the other client's pid inside a transaction, our pid again."""
    for before, other, after in rounds:
        if other == before:
            return Pooling(TRANSACTION, f"two client connections shared server process {before}")
        if after != before:
            return Pooling(
                TRANSACTION, f"the server process changed from {before} to {after} between transactions"
            )
    return Pooling(SESSION, "the server process stayed the same across transactions")


Endpoint = tuple[str, int]
"""An IP address and a port."""


def same_connection(ours: tuple[Endpoint, Endpoint], theirs: tuple[Any, ...]) -> bool:
    """Whether the server's (client address, client port, server address, server port) ``theirs``
    name our socket's (local, peer) endpoints ``ours``: one TCP connection, end to end.

    A pooler in between would show the server its own socket, whose peer is PostgreSQL's listening
    port, never the pooler's that we reached; a NAT rewrites an address. Either way: not the same.
    """
    if any(part is None for part in theirs):
        return False  # a Unix socket on the server's side
    (local_ip, local_port), (peer_ip, peer_port) = ours
    client_ip, client_port, server_ip, server_port = theirs
    try:
        return (
            ipaddress.ip_address(client_ip) == ipaddress.ip_address(local_ip)
            and int(client_port) == local_port
            and ipaddress.ip_address(server_ip) == ipaddress.ip_address(peer_ip)
            and int(server_port) == peer_port
        )
    except ValueError:
        return False


def _endpoints(
    conn: psycopg.Connection[Any] | psycopg.AsyncConnection[Any],
) -> tuple[Endpoint, Endpoint] | None:
    """Our socket's local and peer address and port; ``None`` for a Unix socket, or when the
    platform cannot say (the probe decides then)."""
    try:
        # A duplicate of libpq's descriptor: closing the socket object leaves libpq's open.
        with socket.socket(fileno=os.dup(conn.pgconn.socket)) as sock:
            if sock.family not in (socket.AF_INET, socket.AF_INET6):
                return None
            local, peer = sock.getsockname(), sock.getpeername()
    except OSError:
        return None
    return (local[0], local[1]), (peer[0], peer[1])


def direct(conn: psycopg.Connection[Any]) -> Pooling | None:
    """``SESSION`` when ``conn`` reaches PostgreSQL itself (one round trip), ``None`` when that
    cannot be told this way (a Unix socket, a pooler, a NAT): then :func:`probe` tells."""
    return asking_direct(conn)()


def asking_direct(conn: psycopg.Connection[Any]) -> Callable[[], Pooling | None]:
    """:func:`direct` in two steps, for a caller sending the question with other reads (a pipeline):
    the question is sent now, the function returned reads the answer."""
    ours = _endpoints(conn)
    if ours is None:
        return lambda: None
    asked = conn.execute(_ENDS)
    return lambda: _seen(ours, asked.fetchone())


async def direct_async(conn: psycopg.AsyncConnection[Any]) -> Pooling | None:
    """:func:`direct` for asyncio connections."""
    ours = _endpoints(conn)
    return None if ours is None else _seen(ours, await (await conn.execute(_ENDS)).fetchone())


def _seen(ours: tuple[Endpoint, Endpoint], row: Any) -> Pooling | None:
    return Pooling(SESSION, _DIRECT) if row is not None and same_connection(ours, tuple(row)) else None


def _statement_mode(exc: psycopg.Error) -> bool:
    return "statement pooling" in str(exc).lower()


def probe(conn: psycopg.Connection[Any], other: psycopg.Connection[Any]) -> Pooling:
    """Probe with two autocommit client connections to the same URL (both left idle).

    Per round: the other's pid inside a transaction, its ``COMMIT``, then ours again (each costs a
    remote database's latency). A round that shows a pooler in transaction mode ends the probe (four
    round trips with our first pid); ten when the server process stays put (session state holds)."""
    try:
        rounds: list[tuple[int, int, int]] = []
        before = _pid(conn)
        for _ in range(_ROUNDS):
            theirs = _pid(other, _IN_TRANSACTION)
            other.execute(b"COMMIT")
            after = _pid(conn)
            rounds.append((before, theirs, after))
            if (found := classify(rounds)).mode != SESSION:
                return found
            before = after
    except psycopg.Error as exc:
        if _statement_mode(exc):
            return Pooling(STATEMENT, "the pooler refused a transaction block")
        raise
    return classify(rounds)


async def probe_async(conn: psycopg.AsyncConnection[Any], other: psycopg.AsyncConnection[Any]) -> Pooling:
    """``probe`` for asyncio connections."""
    try:
        rounds: list[tuple[int, int, int]] = []
        before = await _apid(conn)
        for _ in range(_ROUNDS):
            theirs = await _apid(other, _IN_TRANSACTION)
            await other.execute(b"COMMIT")
            after = await _apid(conn)
            rounds.append((before, theirs, after))
            if (found := classify(rounds)).mode != SESSION:
                return found
            before = after
    except psycopg.Error as exc:
        if _statement_mode(exc):
            return Pooling(STATEMENT, "the pooler refused a transaction block")
        raise
    return classify(rounds)


def _pid(conn: psycopg.Connection[Any], query: bytes = _PID) -> int:
    cur = conn.execute(query)
    while cur.pgresult is not None and cur.pgresult.ntuples == 0 and cur.nextset():
        pass  # past BEGIN's result to the pid
    row = cur.fetchone()
    assert row is not None
    return int(row[0])


async def _apid(conn: psycopg.AsyncConnection[Any], query: bytes = _PID) -> int:
    cur = await conn.execute(query)
    while cur.pgresult is not None and cur.pgresult.ntuples == 0 and cur.nextset():
        pass  # past BEGIN's result to the pid
    row = await cur.fetchone()
    assert row is not None
    return int(row[0])
