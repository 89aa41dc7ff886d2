"""What the client sent, read from libpq's trace of every connection a piece of code opens."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import pq


@contextmanager
def traced_connections(folder: Path) -> Iterator[list[Path]]:
    """Trace every psycopg connection, asyncio ones included, opened inside the block; the trace
    files, one per connection, complete once the block has ended."""
    traces: list[Path] = []
    lock = threading.Lock()
    connect, connect_async = psycopg.Connection.connect, psycopg.AsyncConnection.connect
    with ExitStack() as files, pytest.MonkeyPatch.context() as patch:

        def trace(conn: Any) -> Any:
            with lock:  # connections opened by two threads at once get a file each
                path = folder / f"trace{len(traces)}.txt"
                traces.append(path)
                out = files.enter_context(path.open("wb"))
            conn.pgconn.trace(out.fileno())
            conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
            return conn

        def traced(*args: Any, **kwargs: Any) -> psycopg.Connection[Any]:
            return trace(connect(*args, **kwargs))  # type: ignore[no-any-return]

        async def traced_async(*args: Any, **kwargs: Any) -> psycopg.AsyncConnection[Any]:
            return trace(await connect_async(*args, **kwargs))  # type: ignore[no-any-return]

        patch.setattr(psycopg.Connection, "connect", traced)
        patch.setattr(psycopg, "connect", traced)
        patch.setattr(psycopg.AsyncConnection, "connect", traced_async)
        yield traces


def sent(path: Path) -> list[tuple[str, str]]:
    """The messages the client sent on one traced connection: (type, the rest of the line)."""
    found = []
    for line in path.read_text(errors="replace").splitlines():
        fields = line.split("\t")
        if len(fields) > 2 and fields[0] == "F":
            found.append((fields[2], "\t".join(fields[3:])))
    return found


def round_trips(paths: list[Path]) -> int:
    """Times the client waited for the server: each simple ``Query`` and each ``Sync`` it sent."""
    return sum(1 for path in paths for kind, _ in sent(path) if kind in ("Query", "Sync"))
