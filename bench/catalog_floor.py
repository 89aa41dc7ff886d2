"""The floor of ``pgwarden diff`` between two live databases, as this design reads them: the
interpreter, ``import psycopg``, a connection to each database (both at once, as ``diff`` does), the
catalog queries ``inspect_with_privileges`` sends (pipelined, rows fetched and decoded) — and nothing
else: no pgwarden import, no objects built, no comparison. ``bench/cli.py`` times it beside ``diff``.

    .venv/bin/python bench/catalog_floor.py URL_A URL_B
"""

from __future__ import annotations

import re
import sys
import threading
from pathlib import Path
from typing import Any

import psycopg

QUERIES = Path(__file__).resolve().parent.parent / "src" / "pgwarden" / "catalog" / "queries"
_SINCE = re.compile(r"--\s*pg(\d+)\+\s*$")
# What inspect_with_privileges prefetches (catalog/_inspect.py QUERIES, _more.QUERIES and
# acl.PRIVILEGE_QUERIES), read from the files so that this script imports nothing of pgwarden.
NAMES = [
    "tables",
    "columns",
    "comments",
    "constraints",
    "indexes",
    "opclasses",
    "triggers",
    "policies",
    "sequences",
    "views",
    "enums",
    "domains",
    "functions",
    "extensions",
    "composite_types",
    "collations",
    "inheritance",
    "function_comments",
    "relation_settings",
    "identity_options",
    "privileges",
    "default_privileges",
]


def text(name: str, version: int) -> str:
    major = version // 10000
    lines = (QUERIES / f"{name}.sql").read_text(encoding="utf-8").splitlines(keepends=True)
    return "".join(ln for ln in lines if (m := _SINCE.search(ln)) is None or major >= int(m.group(1)))


def read(url: str, out: dict[str, int]) -> None:
    with psycopg.connect(url, autocommit=True) as conn, conn.transaction():
        version = conn.info.server_version
        conn.execute("SET LOCAL search_path = ''; SET LOCAL jit = off")
        nsp = [r[0] for r in conn.execute(text("schemas", version), {"schemas": []}).fetchall()]
        cursors: list[Any] = []
        with conn.pipeline():
            for name in NAMES:
                body = text(name, version)
                cur = conn.cursor()
                cur.execute(body, {"nsp": nsp} if "%(nsp)s" in body else None)  # type: ignore[arg-type]
                cursors.append(cur)
            out[url] = sum(len(cur.fetchall()) for cur in cursors)


def main(argv: list[str]) -> int:
    rows: dict[str, int] = {}
    other = threading.Thread(target=read, args=(argv[1], rows))
    other.start()
    read(argv[0], rows)
    other.join()
    return 0 if len(rows) == 2 else 70


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
