"""Benchmark: `pgwarden repair` of missing chat rooms (incident 001) under live writes vs one INSERT … SELECT.

Builds the incident-001 schema in a throwaway cluster: N active bookings, M of them without a
chat room. Two copies of that database (CREATE DATABASE … TEMPLATE) get the same repair, each
while a writer thread inserts active bookings at a steady rate (the trigger gives those a room)
and times every write:

- the anchor: one ``INSERT INTO chat_rooms … SELECT … FROM (check) … ON CONFLICT DO NOTHING``;
- pgwarden: ``pgwarden repair NAME --apply`` as a subprocess (keyset batches, checkpoint per batch).

Prints a markdown table: rows/s of each and the ratio (target ≥ 0.5), the writer's p50/p99
latency during each (target p99 ≤ 100 ms during the repair), and pgwarden's peak RSS (≤ 100 MB).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from pgwarden.scratch import open_scratch
from pgwarden.urls import dbname_of, with_dbname

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = (ROOT / "tests" / "db" / "incident001.sql").read_text(encoding="utf-8")
NAME = "active-booking-has-chat-room"
CHECK = """
SELECT b.id AS booking_id, l.teacher_id, b.student_id
FROM bookings b JOIN lessons l ON l.id = b.lesson_id
LEFT JOIN chat_rooms c ON c.teacher_id = l.teacher_id AND c.student_id = b.student_id AND c.deleted_at IS NULL
WHERE b.status = 'active' AND b.deleted_at IS NULL AND l.deleted_at IS NULL AND c.id IS NULL
"""
REPAIR = """
INSERT INTO chat_rooms (id, teacher_id, student_id, created_at, updated_at)
SELECT gen_random_uuid(), teacher_id, student_id, now(), now() FROM violations
ON CONFLICT (teacher_id, student_id) DO NOTHING
"""
CONFIG = f'[[invariants]]\nname = "{NAME}"\ncheck = """{CHECK}"""\nrepair = """{REPAIR}"""\n'
ANCHOR = f"""
INSERT INTO chat_rooms (id, teacher_id, student_id, created_at, updated_at)
SELECT gen_random_uuid(), teacher_id, student_id, now(), now() FROM ({CHECK}) AS v
ON CONFLICT (teacher_id, student_id) DO NOTHING
"""
WRITE = """
WITH s AS (INSERT INTO users (name) VALUES ('live student') RETURNING id)
INSERT INTO bookings (lesson_id, student_id, status)
SELECT (SELECT id FROM lessons ORDER BY id LIMIT 1 OFFSET %s), s.id, 'active' FROM s
"""


def seed(url: str, bookings: int, missing: int, teachers: int = 200) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(SCHEMA)
        conn.execute("ALTER TABLE bookings DISABLE TRIGGER USER")
        conn.execute("INSERT INTO users (name) SELECT 'teacher' FROM generate_series(1, %s)", (teachers,))
        conn.execute("INSERT INTO lessons (teacher_id) SELECT id FROM users")
        conn.execute(
            "CREATE TEMP TABLE l AS SELECT id, teacher_id, row_number() OVER (ORDER BY id) - 1 AS i FROM lessons"
        )
        conn.execute(
            "CREATE TEMP TABLE s AS SELECT gen_random_uuid() AS id, g FROM generate_series(1, %s) g",
            (bookings,),
        )
        conn.execute("INSERT INTO users (id, name) SELECT id, 'student' FROM s")
        conn.execute(
            "INSERT INTO bookings (lesson_id, student_id, status) SELECT l.id, s.id, 'active' "
            "FROM s JOIN l ON l.i = s.g %% %s",
            (teachers,),
        )
        conn.execute(
            "INSERT INTO chat_rooms (id, teacher_id, student_id, created_at, updated_at) "
            "SELECT gen_random_uuid(), l.teacher_id, s.id, now(), now() FROM s JOIN l ON l.i = s.g %% %s "
            "WHERE s.g > %s",
            (teachers, missing),
        )
        conn.execute("ALTER TABLE bookings ENABLE TRIGGER USER")
        conn.execute("VACUUM ANALYZE")


class Writer(threading.Thread):
    """Inserts one active booking (and its student) per tick, timing each transaction."""

    def __init__(self, url: str, rate: float) -> None:
        super().__init__(daemon=True)
        self.url, self.interval = url, 1.0 / rate
        self.stop = threading.Event()
        self.latencies: list[float] = []
        self.errors: list[str] = []

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            tick, n = time.monotonic(), 0
            while not self.stop.is_set():
                started = time.monotonic()
                try:
                    conn.execute(WRITE, (n % 200,))
                except psycopg.Error as exc:
                    self.errors.append(str(exc))
                self.latencies.append(time.monotonic() - started)
                n += 1
                tick += self.interval
                time.sleep(max(0.0, tick - time.monotonic()))


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def missing(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(f"SELECT count(*) FROM ({CHECK}) q").fetchone()
    return int(row[0]) if row else -1


@dataclass
class Result:
    rows: int
    seconds: float
    left: int
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    wall: float = 0.0
    rss_mb: float = 0.0

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


def anchor(url: str, rate: float) -> Result:
    writer = Writer(url, rate)
    writer.start()
    time.sleep(1.0)
    started = time.monotonic()
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(ANCHOR).rowcount
    seconds = time.monotonic() - started
    writer.stop.set()
    writer.join()
    return Result(rows, seconds, missing(url), writer.latencies, len(writer.errors), seconds)


def pgwarden(url: str, rate: float, batch_size: int, tmp: Path) -> Result:
    (tmp / "pgwarden.toml").write_text(CONFIG)
    writer = Writer(url, rate)
    writer.start()
    time.sleep(1.0)
    cmd = [sys.executable, "-m", "pgwarden", "--config", str(tmp / "pgwarden.toml"), "repair", NAME]
    cmd += ["--db", url, "--apply", "--batch-size", str(batch_size), "--format", "json"]
    started = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ}, check=False)
    wall = time.monotonic() - started
    writer.stop.set()
    writer.join()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"pgwarden repair failed ({proc.returncode}): {proc.stderr}")
    (doc,) = json.loads(proc.stdout)["repairs"]
    rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return Result(
        doc["rows_changed"], doc["seconds"], missing(url), writer.latencies, len(writer.errors), wall, rss_mb
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=1_000_000)
    parser.add_argument("--missing", type=int, default=300_000)
    parser.add_argument("--rate", type=float, default=50.0, help="writer transactions per second")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument(
        "--dev-url", help="a server where databases may be created (default: throwaway cluster)"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp, open_scratch(args.dev_url) as scratch:
        started = time.monotonic()
        template = scratch.create_database("repair_seed")
        seed(template, args.bookings, args.missing)
        print(
            f"seeded {args.bookings:,} bookings, {args.missing:,} without a room in {time.monotonic() - started:.0f}s"
        )
        dbname = dbname_of(template)
        urls = {}
        with psycopg.connect(with_dbname(template, "postgres"), autocommit=True) as admin:
            for label in ("anchor", "pgwarden"):
                name = f"{dbname}_{label}"
                admin.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                        sql.Identifier(name), sql.Identifier(dbname)
                    )
                )
                urls[label] = with_dbname(template, name)
        a = anchor(urls["anchor"], args.rate)
        p = pgwarden(urls["pgwarden"], args.rate, args.batch_size, Path(tmp))
    ratio = p.rate / a.rate
    p99 = percentile(p.latencies, 0.99) * 1000
    print()
    print(
        f"repair of {args.missing:,} missing chat rooms among {args.bookings:,} active bookings, "
        f"writer at {args.rate:g} tx/s, batch size {args.batch_size}"
    )
    print()
    print(
        "| | rows | seconds | rows/s | writer p50 ms | writer p99 ms | writer max ms | writes | left after |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for label, r in (("INSERT … SELECT (anchor)", a), ("pgwarden repair", p)):
        lat = r.latencies
        print(
            f"| {label} | {r.rows:,} | {r.seconds:.1f} | {r.rate:,.0f} | "
            f"{statistics.median(lat) * 1000:.1f} | {percentile(lat, 0.99) * 1000:.1f} | {max(lat) * 1000:.1f} | "
            f"{len(lat)} | {r.left} |"
        )
    print()
    print(
        f"ratio pgwarden/anchor rows/s: **{ratio:.2f}×** (target ≥ 0.5); writer p99 during repair "
        f"{p99:.1f} ms (target ≤ 100); pgwarden peak RSS {p.rss_mb:.0f} MB (target ≤ 100); "
        f"pgwarden wall time incl. start-up {p.wall:.1f}s"
    )
    ok = ratio >= 0.5 and p99 <= 100 and p.rss_mb <= 100
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
