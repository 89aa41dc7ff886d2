"""`migrate up` on an Alembic chain loads PostgreSQL's parser only for a statement that may lose rows:
not for CREATE statements, nor for Alembic's own version-table UPDATE (and the guard still works)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ENV_PY = """
import os
from alembic import context
from sqlalchemy import create_engine

engine = create_engine(os.environ["TEST_DB_URL"].replace("postgresql://", "postgresql+psycopg://", 1))
with engine.connect() as connection:
    context.configure(connection=connection, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
"""

REVISION = '''"""step {n}"""
from alembic import op
import sqlalchemy as sa

revision = {rev!r}
down_revision = {down!r}
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("t{n}", sa.Column("id", sa.BigInteger(), primary_key=True))
'''

RUN = """
import sys
from pgwarden.cli import main
code = main(["migrate", "up", "--db", sys.argv[1]])
print("parser loaded" if "pglast" in sys.modules else "parser not loaded", code)
"""


def _project(root: Path, count: int) -> Path:
    (root / "alembic" / "versions").mkdir(parents=True)
    (root / "alembic" / "env.py").write_text(ENV_PY)
    (root / "alembic" / "script.py.mako").write_text("")
    (root / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/alembic\n")
    (root / "pyproject.toml").write_text('[tool.pgwarden]\nmigrations = "alembic.ini"\n')
    for n in range(1, count + 1):
        down = f"r{n - 1}" if n > 1 else None
        (root / "alembic" / "versions" / f"r{n}_step.py").write_text(
            REVISION.format(n=n, rev=f"r{n}", down=down)
        )
    return root


def test_a_chain_of_creates_does_not_load_the_parser(tmp_path: Path, db_url: str) -> None:
    root = _project(tmp_path, 3)
    done = subprocess.run(
        [sys.executable, "-c", RUN, db_url],
        cwd=root,
        env={"TEST_DB_URL": db_url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.strip().splitlines()[-1] == "parser not loaded 0", done.stderr[-2000:]
