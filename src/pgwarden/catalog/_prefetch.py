"""The catalog queries: their text for a server version, and running them, most sent at once (libpq
pipeline mode)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from functools import cache
from importlib import resources
from typing import Any

import psycopg

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_SINCE = re.compile(r"--\s*pg(\d+)\+\s*$")


@cache
def query(name: str, server_version: int = 0) -> str:
    """The text of ``queries/<name>.sql`` for a server of ``server_version``.

    A line ending in ``-- pgNN+`` uses catalog columns PostgreSQL NN introduced; it is left
    out for older servers (``server_version`` 0 means the newest).
    """
    text = (
        resources.files(__package__).joinpath("queries").joinpath(f"{name}.sql").read_text(encoding="utf-8")
    )
    major = server_version // 10000
    if not server_version:
        return text
    kept = []
    for line in text.splitlines(keepends=True):
        since = _SINCE.search(line)
        if since is None or major >= int(since.group(1)):
            kept.append(line)
    return "".join(kept)


class Queries:
    """``run(name, **params)`` -> the rows of the catalog query ``name``, prefetched where it can."""

    def __init__(self, conn: psycopg.Connection[Any], text_of: Callable[[str], str]) -> None:
        self.conn = conn
        self.text_of = text_of
        self.sent: dict[str, tuple[dict[str, Any], list[tuple[Any, ...]]]] = {}
        """{name: (the parameters it was sent with, its rows)}"""

    def __call__(self, name: str, **params: Any) -> list[tuple[Any, ...]]:
        if name in self.sent and self.sent[name][0] == params:
            return self.sent.pop(name)[1]
        with self.conn.cursor() as cur:
            cur.execute(self.text_of(name), params or None)  # type: ignore[arg-type]
            return cur.fetchall()

    def prefetch(self, names: Sequence[str], *, nsp: list[int]) -> None:
        """Send every query of ``names`` that takes no parameter but ``nsp`` at once and read the
        results when the pipeline has ended: one round trip instead of one each. (Reading the first
        rows before the end made it two, a wait for them and one for the end's ``Sync``, each costing
        a remote database's latency; locally both ways take the same time, 2,000 tables or not.)
        A query needing other parameters is run when asked for; so is everything when libpq lacks
        pipeline mode (older than 14)."""
        if not psycopg.Pipeline.is_supported():
            return
        cursors = []
        with self.conn.pipeline():
            for name in names:
                text = self.text_of(name)
                wanted = set(_PLACEHOLDER.findall(text))
                if not wanted <= {"nsp"}:
                    continue
                params: dict[str, Any] = {"nsp": nsp} if wanted else {}
                cur = self.conn.cursor()
                cur.execute(text, params or None)  # type: ignore[arg-type]
                cursors.append((name, params, cur))
        for name, params, cur in cursors:
            self.sent[name] = (params, cur.fetchall())
            cur.close()


SAVEPOINT = b"SAVEPOINT pgwarden_inspect"
UNDO = b"ROLLBACK TO SAVEPOINT pgwarden_inspect; RELEASE SAVEPOINT pgwarden_inspect"
_CATALOG_SETTINGS = (
    "SELECT pg_catalog.set_config('search_path', '', true), pg_catalog.set_config('jit', 'off', true)"
)


def first(conn: psycopg.Connection[Any], savepoint: bytes, schemas: Sequence[str]) -> list[tuple[Any, ...]]:
    """The rows of the ``schemas`` query, sent after ``savepoint`` (when given) and the settings, all
    at once (one by one when libpq lacks pipeline mode, older than 14)."""
    text = query("schemas", conn.info.server_version)
    with conn.pipeline() if psycopg.Pipeline.is_supported() else nullcontext():
        if savepoint:
            conn.execute(savepoint)
        conn.execute(_CATALOG_SETTINGS)
        cur = conn.execute(text, {"schemas": list(schemas)})  # type: ignore[arg-type]
    return cur.fetchall()
