"""What a transaction pooler costs pgwarden: whole `migrate up` and `run` commands, and lease renewals,
through PgBouncer (transaction mode) against the same cluster directly.

    .venv/bin/python bench/pooler.py [--files 50] [--repeat 5] [--renewals 200]

Needs PostgreSQL binaries and pgbouncer (Debian: apt-get install pgbouncer). Prints a table with
the direct figure (the anchor), the pooled one and the ratio; exits 1 when a ratio exceeds
``--max-ratio`` (default 2.0: the pooler adds a network hop per statement, nothing more).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

from pgwarden.runtime.leadership import Leadership
from pgwarden.runtime.settings import RuntimeSettings
from pgwarden.scratch import Cluster, Scratch, find_binaries


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_pgbouncer(cluster: Cluster, folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not os.path.exists(binary):
        sys.exit("pgbouncer is not installed (Debian: apt-get install pgbouncer)")
    port = free_port()
    (folder / "users.txt").write_text('"postgres" ""\n')
    ini = folder / "pgbouncer.ini"
    ini.write_text(
        f"[databases]\n* = host=127.0.0.1 port={cluster.port}\n[pgbouncer]\nlisten_addr = 127.0.0.1\n"
        f"listen_port = {port}\nunix_socket_dir =\nauth_type = trust\nauth_file = {folder / 'users.txt'}\n"
        "pool_mode = transaction\nmax_client_conn = 200\ndefault_pool_size = 20\n"
        f"logfile = {folder / 'pgbouncer.log'}\n"
    )
    owner = cluster.owner
    if owner:
        os.chown(folder, *owner)
        for f in folder.iterdir():
            os.chown(f, *owner)

    def drop() -> None:
        if owner:
            os.setgid(owner[1])
            os.setgroups([])
            os.setuid(owner[0])

    proc = subprocess.Popen([binary, str(ini)], preexec_fn=drop, start_new_session=True)  # noqa: PLW1509, S603
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres", connect_timeout=1).close()
            return proc, port
        except psycopg.OperationalError:
            time.sleep(0.1)
    proc.kill()
    sys.exit("pgbouncer did not start")


def write_migrations(folder: Path, count: int) -> None:
    folder.mkdir(exist_ok=True)
    (folder / "001_t.sql").write_text("CREATE TABLE t (id serial PRIMARY KEY, mark text);\n")
    for n in range(2, count + 1):
        (folder / f"{n:03d}_m.sql").write_text(
            f"ALTER TABLE t ADD COLUMN c{n} int;\nINSERT INTO t (mark) VALUES ('{n}');\n"
        )


def timed(argv: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    took = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv[:5])} failed ({done.returncode}): {done.stderr[-500:]}")
    return took


def migrate_up(scratch: Scratch, pooled: bool, port: int, folder: Path) -> float:
    direct = scratch.create_database("bench")
    url = (
        direct.replace(f":{scratch.cluster.port if scratch.cluster else 0}/", f":{port}/")
        if pooled
        else direct
    )
    try:
        return timed(
            [sys.executable, "-m", "pgwarden", "migrate", "up", "--db", url, "--migrations", str(folder)]
        )
    finally:
        scratch.drop_database(direct)


def run_true(url: str) -> float:
    return timed(
        [
            sys.executable,
            "-m",
            "pgwarden",
            "run",
            "--db",
            url,
            "--name",
            f"b{uuid.uuid4().hex[:8]}",
            "--",
            "true",
        ]
    )


async def renewals(url: str, count: int) -> float:
    """Median milliseconds of one lease renewal (what the leader does every ttl/3)."""
    lead = Leadership(url, RuntimeSettings(name=f"bench{uuid.uuid4().hex[:6]}"), uuid.uuid4())
    from pgwarden.runtime.connection import ensure_schema

    conn = await lead.connect()
    await ensure_schema(conn, url)
    promotion = await lead.try_acquire()
    assert promotion is not None
    times = []
    for _ in range(count):
        started = time.perf_counter()
        assert await lead._renew(conn, promotion.epoch)
        times.append(time.perf_counter() - started)
    await lead.release()
    return statistics.median(times) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--renewals", type=int, default=200)
    parser.add_argument("--max-ratio", type=float, default=2.0)
    args = parser.parse_args()
    binaries = find_binaries()
    if binaries is None:
        sys.exit("no PostgreSQL binaries found")
    cluster = Cluster(binaries)
    cluster.start()
    work = Path(tempfile.mkdtemp(prefix="pgwarden-bench-pooler-"))
    work.chmod(0o755)  # pgbouncer runs as the cluster's user and must read its files
    bouncer_dir = work / "bouncer"
    bouncer_dir.mkdir()
    bouncer, port = start_pgbouncer(cluster, bouncer_dir)
    try:
        with Scratch(cluster.url, cluster=cluster) as scratch:
            folder = work / "migrations"
            write_migrations(folder, args.files)
            rows: list[tuple[str, float, float]] = []
            direct = [migrate_up(scratch, False, port, folder) for _ in range(args.repeat)]
            pooled = [migrate_up(scratch, True, port, folder) for _ in range(args.repeat)]
            rows.append(
                (
                    f"migrate up, {args.files} files (s, median)",
                    statistics.median(direct),
                    statistics.median(pooled),
                )
            )
            db = scratch.create_database("lease")
            pooled_db = db.replace(f":{cluster.port}/", f":{port}/")
            direct_run = [run_true(db) for _ in range(args.repeat)]
            pooled_run = [run_true(pooled_db) for _ in range(args.repeat)]
            rows.append(
                (
                    "run -- true, whole command (s, median)",
                    statistics.median(direct_run),
                    statistics.median(pooled_run),
                )
            )
            rows.append(
                (
                    f"lease renewal (ms, median of {args.renewals})",
                    asyncio.run(renewals(db, args.renewals)),
                    asyncio.run(renewals(pooled_db, args.renewals)),
                )
            )
    finally:
        bouncer.terminate()
        bouncer.wait()
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)
    print("| what | direct (anchor) | PgBouncer transaction mode | ratio |")
    print("|---|---|---|---|")
    missed = False
    for what, d, p in rows:
        ratio = p / d
        missed |= ratio > args.max_ratio
        print(f"| {what} | {d:.3f} | {p:.3f} | {ratio:.2f}× |")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
