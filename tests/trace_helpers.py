"""What the client sent, read from libpq's trace of every connection a piece of code opens."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import pq


@contextmanager
def traced_connections(folder: Path) -> Iterator[list[Path]]:
    """Trace every psycopg connection opened inside the block; the trace files, one per connection,
    complete once the block has ended."""
    traces: list[Path] = []
    connect = psycopg.Connection.connect
    with ExitStack() as files, pytest.MonkeyPatch.context() as patch:

        def traced(*args: Any, **kwargs: Any) -> psycopg.Connection[Any]:
            conn = connect(*args, **kwargs)
            path = folder / f"trace{len(traces)}.txt"
            out = files.enter_context(path.open("wb"))
            conn.pgconn.trace(out.fileno())
            conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
            traces.append(path)
            return conn

        patch.setattr(psycopg.Connection, "connect", traced)
        patch.setattr(psycopg, "connect", traced)
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
