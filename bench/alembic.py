"""Benchmark: an Alembic project, pgwarden vs Alembic itself, as whole commands (process start to exit).

``pgwarden migrate up`` vs ``alembic upgrade head`` on N revisions (op.create_table, an
index, every fifth an add_column): cold (an empty database, all N applied) and warm (the
database at head, nothing to do). Target: pgwarden's lock, fence and data guard cost
≤ 10 % over Alembic's own upgrade.

``pgwarden check`` (models vs the chain on a scratch database vs live, triggers and
functions included) vs ``alembic check`` (autogenerate's compare of models with live) on
the same project at head. Target: ≥ 5× faster. Both build on the same server; pgwarden's
scratch databases are made there (``--dev-url``).

    .venv/bin/python bench/alembic.py [--count 200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pgwarden.scratch import Scratch, open_scratch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import alembic_misses  # noqa: E402 - beside this script

ENV_PY = """
import os

from alembic import context
from sqlalchemy import create_engine

from app.models import metadata

url = os.environ["BENCH_DB_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
engine = create_engine(url)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=metadata, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
"""

SCRIPT = '''"""step {n}"""
from alembic import op
import sqlalchemy as sa

revision = {rev!r}
down_revision = {down!r}
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "t{n}",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
    )
    op.create_index("ix_t{n}_created_at", "t{n}", ["created_at"])
{extra}

def downgrade() -> None:
    raise NotImplementedError
'''


def build(root: Path, count: int) -> Path:
    """An Alembic project with ``count`` revisions and the models they build."""
    (root / "alembic" / "versions").mkdir(parents=True)
    (root / "app").mkdir()
    (root / "alembic" / "env.py").write_text(ENV_PY)
    (root / "alembic" / "script.py.mako").write_text("")
    (root / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/alembic\nprepend_sys_path = .\n")
    models = ["import sqlalchemy as sa", "", "metadata = sa.MetaData()", ""]
    for n in range(1, count + 1):
        extra = f'    op.add_column("t{n - 1}", sa.Column("note", sa.Text()))\n' if n % 5 == 0 else ""
        down = f"r{n - 1:04d}" if n > 1 else None
        (root / "alembic" / "versions" / f"r{n:04d}_step.py").write_text(
            SCRIPT.format(n=n, rev=f"r{n:04d}", down=down, extra=extra)
        )
        note = ', sa.Column("note", sa.Text())' if (n + 1) % 5 == 0 and n < count else ""
        models.append(
            f't{n} = sa.Table("t{n}", metadata, sa.Column("id", sa.BigInteger(), primary_key=True), '
            f'sa.Column("name", sa.Text(), nullable=False), '
            f'sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), '
            f'nullable=False){note}, sa.Index("ix_t{n}_created_at", "created_at"))'
        )
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "models.py").write_text("\n".join(models) + "\n")
    (root / "pyproject.toml").write_text(
        '[tool.pgwarden]\nmigrations = "alembic.ini"\nmodels = "app.models:metadata"\n'
    )
    return root


def command(
    root: Path, argv: list[str], url: str, dev_url: str, src: Path | None = None
) -> tuple[float, float]:
    """Wall time and CPU time (user + sys of the command's process and its children); ``src``: run
    pgwarden from that source folder instead (``--baseline``)."""
    env = {**os.environ, "BENCH_DB_URL": url, "DATABASE_URL": url}
    if src is not None:
        env["PYTHONPATH"] = str(src)
    bindir = Path(sys.executable).parent
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [str(bindir / argv[0]), *argv[1:]]
        + (["--dev-url", dev_url] if argv[:2] == ["pgwarden", "check"] else []),
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    took = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(
            f"{' '.join(argv)} exited {done.returncode}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        )
    return took, cpu


def once(
    scratch: Scratch, root: Path, argv: list[str], *, at_head: bool, src: Path | None = None
) -> tuple[float, float]:
    """One run (wall, cpu) on a fresh database, brought to head first when ``at_head``."""
    url = scratch.create_database("bench_alembic")
    try:
        if at_head:
            command(root, ["alembic", "upgrade", "head"], url, scratch.server_url)
        return command(root, argv, url, scratch.server_url, src)
    finally:
        scratch.drop_database(url)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--only", choices=("up", "check"), help="only the `migrate up` rows, or only `check` and what it sees"
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="SRC",
        help="also run pgwarden from this src folder (a checkout of main), interleaved: before/after in one run",
    )
    args = parser.parse_args()
    baseline = args.baseline.resolve() if args.baseline else None
    wanted = [
        ("migrate up, cold", ["pgwarden", "migrate", "up"], ["alembic", "upgrade", "head"], False),
        ("migrate up, warm", ["pgwarden", "migrate", "up"], ["alembic", "upgrade", "head"], True),
        ("check at head", ["pgwarden", "check"], ["alembic", "check"], True),
    ]
    if args.only:
        wanted = [w for w in wanted if w[1][1] == {"up": "migrate", "check": "check"}[args.only]]
    rows: dict[str, tuple[tuple[float, float], tuple[float, float], tuple[float, float] | None]] = {}
    seen = None
    with tempfile.TemporaryDirectory() as tmp, open_scratch(None) as scratch:
        root = build(Path(tmp), args.count)
        for label, ours, theirs, at_head in wanted:
            mine: list[tuple[float, float]] = []
            anchor: list[tuple[float, float]] = []
            before: list[tuple[float, float]] = []
            for _ in range(args.repeat):  # interleaved: a busy machine slows every side alike
                mine.append(once(scratch, root, ours, at_head=at_head))
                if baseline is not None:
                    before.append(once(scratch, root, ours, at_head=at_head, src=baseline))
                anchor.append(once(scratch, root, theirs, at_head=at_head))
            rows[label] = (min(mine), min(anchor), min(before) if before else None)
        if args.only != "up":
            with tempfile.TemporaryDirectory() as other:
                url = scratch.create_database("bench_alembic_sees")
                try:
                    seen, _ = alembic_misses.compare(
                        alembic_misses.build(Path(other)), url, scratch.server_url
                    )
                finally:
                    scratch.drop_database(url)
    print(f"{args.count} Alembic revisions, best of {args.repeat} (by wall time), whole commands; ")
    print(
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; CPU = user + sys of the command\n"
    )
    print("| command | pgwarden wall | alembic wall | wall ratio | pgwarden CPU | alembic CPU | CPU ratio |")
    print("|---|---|---|---|---|---|---|")
    for label, ((a, a_cpu), (b, b_cpu), old) in rows.items():
        print(
            f"| {label} | {a:.2f} s | {b:.2f} s | {a / b:.2f}× | {a_cpu:.2f} s | {b_cpu:.2f} s | {a_cpu / b_cpu:.2f}× |"
        )
        if old is not None:
            o, o_cpu = old
            print(
                f"| {label} [baseline] | {o:.2f} s | {b:.2f} s | {o / b:.2f}× | {o_cpu:.2f} s | {b_cpu:.2f} s "
                f"| {o_cpu / b_cpu:.2f}× |"
            )
    missed = []
    if seen is not None:
        print("\nWhat each check sees on one project at head (bench/alembic_misses.py):\n")
        print(alembic_misses.table(seen))
        if any(s.pgwarden == "missed" for s in seen):
            missed.append("pgwarden check missed a change alembic_misses.py makes")
    if "migrate up, cold" in rows:
        (a, _), (b, _), _ = rows["migrate up, cold"]
        if a > b * 1.10:
            missed.append(f"migrate up overhead {100 * (a / b - 1):.0f} % > 10 %")
    if "check at head" in rows:
        (a, _), (b, _), _ = rows["check at head"]
        if b / a < 5:
            missed.append(f"check is {b / a:.1f}× alembic check's speed, target ≥ 5×")
    for line in missed:
        print(f"target missed: {line}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
