"""A database and project in a known state for the console's tests, screenshots and benchmark.

Made with pgwarden's own commands where one exists (``migrate up`` fails on 003 for real, ``backup
create`` runs pg_dump); the runtime's rows (two instances, takeovers, the pinned identity) are
written with the runtime's own schema, as ``pgwarden run`` would have left them.
"""

from __future__ import annotations

import io
import uuid
from datetime import datetime, timedelta, timezone
from importlib import resources
from pathlib import Path

import psycopg

from pgwarden.checks import Invariant, Outcome
from pgwarden.checks.samples import record
from pgwarden.cli import main
from pgwarden.runtime.history import record as record_event

MIGRATIONS = {
    "001_users.sql": "CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL);\n",
    "002_bookings.sql": (
        "CREATE TABLE bookings (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users, "
        "active boolean NOT NULL DEFAULT true);\n"
        "CREATE INDEX bookings_user_id_idx ON bookings (user_id);\n"
        "CREATE TABLE chat_rooms (booking_id bigint PRIMARY KEY REFERENCES bookings);\n"
    ),
}
LATER = {
    # Incident 004's shape: fine on an empty database, fails on the live one (its data has duplicates).
    "003_unique_names.sql": "ALTER TABLE users ADD CONSTRAINT users_name_key UNIQUE (name);\n",
    "004_payments.sql": "CREATE TABLE payments (id bigint PRIMARY KEY, amount numeric NOT NULL);\n",
}

CONFIG = """\
migrations = "migrations"

[[invariants]]
name = "active-booking-has-room"
severity = "error"
check = \"\"\"
SELECT b.id FROM bookings b LEFT JOIN chat_rooms c ON c.booking_id = b.id
WHERE b.active AND c.booking_id IS NULL
\"\"\"

[backup]
dir = "backups"
max_age = "1h"
"""

INSTANCE_ROWS = """
INSERT INTO pgwarden.leases (name, epoch, holder, backend_pid, renewed_at, expires_at, released, taken_at)
VALUES ('bot', 3, %(new)s, pg_backend_pid(), now(), now() + interval '1 hour', false, now() - interval '20 minutes');
INSERT INTO pgwarden.instances (id, name, host, pid, role, epoch, code_version, ttl, ready, started_at, last_seen)
VALUES (%(new)s, 'bot', 'vps-2', 4242, 'active', 3, 'release-2026.12.05', 3600, true,
        now() - interval '25 minutes', now()),
       (%(old)s, 'bot', 'vps-1', 1717, 'standby', NULL, 'release-2026.11.28', 3600, true,
        now() - interval '3 days', now());
INSERT INTO pgwarden.takeovers (name, epoch, holder, previous, reason, at) VALUES
  ('bot', 2, %(old)s, NULL, 'first start: no lease holder', now() - interval '3 days'),
  ('bot', 3, %(new)s, %(old)s, 'lease expired: the holder stopped renewing (hung or crashed)',
   now() - interval '20 minutes');
INSERT INTO pgwarden.identity (id, system_identifier, canary, database_oid, pinned_by)
SELECT 1, (SELECT system_identifier::text FROM pg_control_system()), gen_random_uuid(), oid, 'vps-1:1717'
FROM pg_database WHERE datname = current_database();
"""


def project(folder: Path) -> Path:
    """The project's files: migrations and a pgwarden.toml with an invariant and a backup policy."""
    (folder / "migrations").mkdir(parents=True)
    for name, body in MIGRATIONS.items():
        (folder / "migrations" / name).write_text(body, encoding="utf-8")
    config = folder / "pgwarden.toml"
    config.write_text(CONFIG, encoding="utf-8")
    return config


def known_state(url: str, folder: Path, *, samples: int = 48) -> Path:
    """A takeover happened, a migration failed, an invariant is broken, the backup is not verified."""
    config = project(folder)
    up = ["--config", str(config), "migrate", "up", "--db", url]
    assert main(up, io.StringIO(), err := io.StringIO()) == 0, err.getvalue()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP INDEX bookings_user_id_idx")  # a hand change: drift with a fix
        conn.execute("INSERT INTO users VALUES (1, 'ann'), (2, 'ann')")
        conn.execute("INSERT INTO bookings VALUES (10, 1, true), (11, 2, true), (12, 2, true)")
        conn.execute("INSERT INTO chat_rooms VALUES (10)")
        schema = resources.files("pgwarden.runtime").joinpath("sql").joinpath("schema.sql").read_text()
        conn.execute(schema.encode())
        events = resources.files("pgwarden.runtime").joinpath("sql").joinpath("events_schema.sql").read_text()
        conn.execute(events.encode())
        charted = (
            resources.files("pgwarden.checks").joinpath("sql").joinpath("samples_schema.sql").read_text()
        )
        conn.execute(charted.encode())  # as the guardian's start does
        ids = {"new": uuid.uuid4(), "old": uuid.uuid4()}
        for statement in filter(str.strip, INSTANCE_ROWS.split(";\n")):
            conn.execute(statement.encode(), ids)
    # What a guardian records as it goes (runtime/history.py): a demotion, a gate that failed, a backup.
    record_event(
        url, name="bot", kind="leadership", outcome="bad", summary="Lost 'bot' (epoch 2): lease expired."
    )
    record_event(
        url, name="bot", kind="backup", outcome="ok", summary="Backup 20261204T0300Z created and verified."
    )
    for name, body in LATER.items():
        (folder / "migrations" / name).write_text(body, encoding="utf-8")
    assert main(up, io.StringIO(), io.StringIO()) != 0, "003 must fail"
    record_event(
        url, name="bot", kind="gate", outcome="bad", summary="Schema gate failed: migrations are not at head."
    )
    history(url, samples)
    code = main(
        ["--config", str(config), "backup", "create", "--db", url], io.StringIO(), err := io.StringIO()
    )
    assert code == 0, err.getvalue()
    return config


def history(url: str, count: int, *, invariants: int = 1, every: float = 1800.0) -> None:
    """``count`` samples per invariant, ``every`` seconds apart up to now: a trigger broke 6 hours ago."""
    now = datetime.now(timezone.utc)
    names = ["active-booking-has-room"] + [f"invariant-{i}" for i in range(1, invariants)]
    for step in range(count):
        at = now - timedelta(seconds=every * (count - 1 - step))
        broken = at > now - timedelta(hours=6)
        outcomes = [
            Outcome(
                Invariant(name=name, check="SELECT 1", origin="test"),
                count=(2 if broken else 0) + (step % 3 if i else 0),
                lag={"p95_seconds": 40.0 + (step % 7) * 5 if broken else 2.0},
            )
            for i, name in enumerate(names)
        ]
        record(url, outcomes, at=at, keep=10 * 24 * 3600.0)
