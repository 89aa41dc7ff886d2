"""What ``alembic check`` misses and ``pgwarden check`` sees, on one small Alembic project at head.

The project: a ``users`` model with a named check constraint and server defaults, one revision
creating it, a plain synchronous ``env.py``. Then, as happens on real databases, changes made
without a revision: a function and a trigger created by hand, the check constraint redefined, a
server default changed, and a column renamed in the models only (incident 000's shape). Both
commands run as whole processes on the same database; each change is then marked as seen by
one, the other, or both. Used by ``bench/alembic.py`` (its "sees" table) and by
``tests/db/migrate/test_alembic_check_misses.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import psycopg

ENV_PY = """
import os

from alembic import context
from sqlalchemy import create_engine

from app.models import Base

url = os.environ["APP_DB_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
engine = create_engine(url)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
"""

MODELS = """
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Integer, Text, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("balance >= 0", name="ck_users_balance"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(Text)
    balance: Mapped[int] = mapped_column(Integer, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
"""

REVISION = '''"""create users"""
from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("balance", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("balance >= 0", name="ck_users_balance"),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    raise NotImplementedError
'''

BY_HAND = (
    "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN NEW.created_at := now(); RETURN NEW; END$$",
    "CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch()",
    "ALTER TABLE users DROP CONSTRAINT ck_users_balance, ADD CONSTRAINT ck_users_balance CHECK (balance > -100)",
    "ALTER TABLE users ALTER COLUMN created_at SET DEFAULT '2020-01-01'",
)


@dataclass(frozen=True)
class Change:
    what: str
    pgwarden_object: str
    """The object pgwarden's finding names."""
    alembic_words: tuple[str, ...]
    """What ``alembic check`` prints when it sees the change (any of them)."""


CHANGES = (
    Change("function created by hand", "public.touch()", ("touch",)),
    Change("trigger created by hand", "public.users.users_touch", ("users_touch", "trigger")),
    Change("check constraint redefined by hand", "public.users.ck_users_balance", ("ck_users_balance",)),
    Change("server default changed by hand", "public.users.created_at", ("created_at",)),
    Change("column renamed in the models, no revision", "public.users.full_name", ("rename",)),
)


@dataclass(frozen=True)
class Seen:
    change: Change
    alembic: str
    """``missed``, or what alembic check said about it."""
    pgwarden: str
    """``missed``, or the finding's code and kind."""


def build(root: Path) -> Path:
    (root / "alembic" / "versions").mkdir(parents=True)
    (root / "app").mkdir()
    (root / "alembic" / "env.py").write_text(ENV_PY)
    (root / "alembic" / "versions" / "0001_users.py").write_text(REVISION)
    (root / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/alembic\nprepend_sys_path = .\n")
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "models.py").write_text(MODELS)
    (root / "pyproject.toml").write_text(
        '[tool.pgwarden]\nmigrations = "alembic.ini"\nmodels = "app.models:Base"\n'
    )
    return root


def _run(root: Path, argv: list[str], url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "APP_DB_URL": url, "DATABASE_URL": url}
    tool = Path(sys.executable).parent / argv[0]
    return subprocess.run(
        [str(tool), *argv[1:]], cwd=root, env=env, capture_output=True, text=True, timeout=300
    )


def compare(root: Path, url: str, dev_url: str) -> tuple[list[Seen], str]:
    """On the empty database ``url``: upgrade to head, make the changes, run both checks; what each saw,
    and alembic check's own output."""
    done = _run(root, ["alembic", "upgrade", "head"], url)
    if done.returncode != 0:
        raise RuntimeError(f"alembic upgrade head failed: {done.stderr[-1000:]}")
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in BY_HAND:
            conn.execute(statement)
    models = root / "app" / "models.py"
    models.write_text(MODELS.replace("    name: Mapped[str]", "    full_name: Mapped[str]"))
    try:
        theirs = _run(root, ["alembic", "check"], url)
        ours = _run(root, ["pgwarden", "check", "--format", "json", "--dev-url", dev_url], url)
    finally:
        models.write_text(MODELS)
    said = theirs.stdout + theirs.stderr
    if ours.returncode not in (0, 1):
        raise RuntimeError(f"pgwarden check exited {ours.returncode}: {ours.stderr[-1000:]}")
    findings = json.loads(ours.stdout)["findings"]
    seen = []
    for change in CHANGES:
        hit = next((f for f in findings if f["object"] == change.pgwarden_object), None)
        alembic = "missed"
        if any(w in said for w in change.alembic_words):
            alembic = "seen"
        elif (
            change.pgwarden_object.endswith("full_name") and "add_column" in said and "remove_column" in said
        ):
            alembic = "drop + add column (data lost if applied)"
        seen.append(Seen(change, alembic, f"{hit['code']} {hit['kind']}" if hit else "missed"))
    return seen, said.strip()


def table(seen: list[Seen]) -> str:
    rows = ["| change made without a revision | alembic check | pgwarden check |", "|---|---|---|"]
    rows += [f"| {s.change.what} | {s.alembic} | {s.pgwarden} |" for s in seen]
    return "\n".join(rows)
