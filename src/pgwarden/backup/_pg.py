"""What create, verify and restore share: running pg_dump/pg_restore, counting rows, fingerprints."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import signal
import subprocess
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from ..catalog import Schema, serialize
from ..privileges import grant_for, role_of_last
from ..urls import to_libpq

__all__ = [
    "count_rows",
    "failure_reason",
    "fingerprint",
    "list_tables",
    "program_env",
    "query",
    "system_identifier",
]

_BATCH = 200


@cache
def query(name: str) -> str:
    return (
        resources.files(__package__).joinpath("queries").joinpath(f"{name}.sql").read_text(encoding="utf-8")
    )


def program_env(url: str) -> tuple[str, dict[str, str]]:
    """(conninfo without the password, environment with ``PGPASSWORD``): no password on a command line."""
    params = conninfo_to_dict(to_libpq(url))
    password = params.pop("password", None)
    env = {k: v for k, v in os.environ.items() if k != "PGPASSWORD"}
    if password is not None:
        env["PGPASSWORD"] = str(password)
    env.setdefault("PGCONNECT_TIMEOUT", "10")
    return make_conninfo(**{k: str(v) for k, v in params.items() if v is not None}), env


def run(args: Sequence[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL program, capturing its messages; it gets no terminal and no stdin."""
    return subprocess.run(
        list(args), env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace"
    )


def failure_reason(program: str, proc: subprocess.CompletedProcess[str]) -> str:
    """One sentence on why ``program`` failed, the disk-full cases named as such."""
    text = (proc.stderr or proc.stdout or "").strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    low = text.lower()
    if "no space left on device" in low or "file too large" in low or proc.returncode == -signal.SIGXFSZ:
        return f"{program} ran out of disk space (or hit a file size limit)"
    if proc.returncode < 0:
        return f"{program} was killed by signal {signal.Signals(-proc.returncode).name}"
    detail = " / ".join(line.removeprefix(f"{program}: ") for line in lines[-3:]) or "no message"
    grant = grant_for(text, role_of_last())
    if grant:
        return f"{program} was refused a privilege ({detail}); grant it with {grant}"
    return f"{program} exited with status {proc.returncode}: {detail}"


def list_tables(conn: psycopg.Connection[Any]) -> list[tuple[str, str, int]]:
    """(schema, name, estimated rows) of every table pg_dump writes rows of."""
    with conn.cursor() as cur:
        cur.execute(query("tables"))
        return [(str(s), str(n), int(e)) for s, n, e in cur.fetchall()]


def count_rows(conn: psycopg.Connection[Any], tables: Sequence[tuple[str, str]]) -> dict[str, int]:
    """Exact row counts, a batch of tables per query."""
    counts: dict[str, int] = {}
    for start in range(0, len(tables), _BATCH):
        batch = tables[start : start + _BATCH]
        parts = [
            sql.SQL("SELECT {}::int, pg_catalog.count(*) FROM {}").format(
                sql.Literal(i), sql.Identifier(schema, name)
            )
            for i, (schema, name) in enumerate(batch)
        ]
        with conn.cursor() as cur:
            cur.execute(sql.SQL(" UNION ALL ").join(parts))
            for i, n in cur.fetchall():
                schema, name = batch[i]
                counts[f"{schema}.{name}"] = int(n)
    return counts


def system_identifier(conn: psycopg.Connection[Any]) -> str | None:
    """The cluster's ``system_identifier`` (set by initdb), ``None`` when the role may not read it."""
    try:
        with conn.transaction(), conn.cursor() as cur:
            cur.execute("SELECT system_identifier::text FROM pg_catalog.pg_control_system()")
            row = cur.fetchone()
    except psycopg.errors.InsufficientPrivilege:
        return None
    return str(row[0]) if row else None


def fingerprint(schema: Schema, *, portable: bool = False) -> str:
    """sha256 of the schema as a snapshot writes it (every object, ordered, no server version).

    ``portable`` leaves out view definitions, which each PostgreSQL major deparses its own
    way: that fingerprint compares a copy restored on another major.
    """
    if portable:
        schema = dataclasses.replace(
            schema, views=tuple(dataclasses.replace(v, definition="") for v in schema.views)
        )
    doc = json.loads(serialize.dumps(schema))["schema"]
    return hashlib.sha256(json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def sha256_file(path: os.PathLike[str] | str) -> tuple[int, str]:
    """(size, sha256 hex) of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()
