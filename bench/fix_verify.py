"""What verifying fixes on a scratch copy (on by default in `check`) costs, and what its cache saves.

On examples/telegram_bot (models + migrations + live), migrated, then drifted by hand (an index
dropped, a column made nullable, a foreign key dropped: three findings with fix SQL), whole
`pgwarden check` processes, interleaved run by run:

* ``--no-verify-fixes``                 the anchor: check as before verification;
* verify, verdicts not cached           the ``fixes`` cache folder emptied before each run;
* verify, verdicts cached               a repeated check on unchanged drift;
* no drift, default / --no-verify-fixes the database migrated afresh: nothing to verify, no scratch.

The expected schemas come from the schema cache in every row (warmed first), so the rows differ
only by verification. Wall time and CPU (user+sys of pgwarden and the processes it waited for:
initdb, pg_ctl; a scratch server's own backends are not counted) are medians; the load average
is printed, as the machine may be shared. By default pgwarden starts its own scratch cluster
for the verification as a user's ``check`` does; ``--dev-url`` builds on a running server instead.

    .venv/bin/python bench/fix_verify.py [--repeat 5] [--dev-url URL]

Exit 1 when the cached row costs more than 1.25x the anchor's wall time or the no-drift rows
differ by more than that (verification must cost nothing when it has nothing to do).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import drift  # noqa: E402  (bench/drift.py: the server to build on)

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "examples" / "telegram_bot"
PGWARDEN = str(Path(sys.executable).with_name("pgwarden"))
DRIFT = (
    "DROP INDEX IF EXISTS ix_bookings_lesson_id;"
    "ALTER TABLE users ALTER COLUMN role DROP NOT NULL;"
    "ALTER TABLE bookings DROP CONSTRAINT IF EXISTS bookings_lesson_id_fkey;"
)


def run(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(wall s, CPU s of the process and what it waited for, stdout) of one whole command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(args, cwd=PROJECT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args)} exited {done.returncode}: {done.stderr.strip()}")
    return wall, cpu, done.stdout


def migrate_fresh(admin_url: str, url: str, env: dict[str, str]) -> None:
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS bench_fix_verify WITH (FORCE)")
        admin.execute("CREATE DATABASE bench_fix_verify")
    subprocess.run([PGWARDEN, "migrate", "up"], cwd=PROJECT, env=env, check=True, capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--dev-url", help="build on this server instead of a throwaway cluster")
    opts = parser.parse_args()
    cache = Path(tempfile.mkdtemp(prefix="pgwarden-bench-fixes-"))
    failed = False
    try:
        with drift.server(opts.dev_url) as (admin_url, what):
            url = drift.with_dbname(admin_url, "bench_fix_verify")
            env = {**os.environ, "DATABASE_URL": url, "PGWARDEN_CACHE_DIR": str(cache), "NO_COLOR": "1"}
            env.pop("PGWARDEN_NO_CACHE", None)
            base = [
                PGWARDEN,
                "check",
                "--no-invariants",
                *(["--dev-url", opts.dev_url] if opts.dev_url else []),
            ]
            migrate_fresh(admin_url, url, env)
            clean_rows = {
                "no drift, default": base,
                "no drift, --no-verify-fixes": [*base, "--no-verify-fixes"],
            }
            run(base, env)  # warm the schema cache
            clean: dict[str, list[tuple[float, float, str]]] = {label: [] for label in clean_rows}
            for _ in range(opts.repeat):  # interleaved
                for label, cmd in clean_rows.items():
                    clean[label].append(run(cmd, env))
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(DRIFT)  # type: ignore[arg-type]
            fixes = cache / "fixes"
            rows: dict[str, list[tuple[float, float, str]]] = {
                "drift, --no-verify-fixes (anchor)": [],
                "drift, verify, not cached": [],
                "drift, verify, cached": [],
            }
            run(base, env)
            for _ in range(opts.repeat):  # interleaved, so a busy moment hits every row alike
                rows["drift, --no-verify-fixes (anchor)"].append(run([*base, "--no-verify-fixes"], env))
                shutil.rmtree(fixes, ignore_errors=True)
                rows["drift, verify, not cached"].append(run(base, env))
                rows["drift, verify, cached"].append(run(base, env))
            outputs = {out for _, _, out in rows["drift, verify, not cached"] + rows["drift, verify, cached"]}
            verified = next(iter(outputs)).count("verified") if outputs else 0
            rows.update(clean)
            anchor = statistics.median(w for w, _, _ in rows["drift, --no-verify-fixes (anchor)"])
            print(f"\nserver: {what}; load average {os.getloadavg()[0]:.2f}; {opts.repeat} runs per row\n")
            print("| check | wall s (median) | CPU s (median) | wall / anchor |")
            print("|---|---:|---:|---:|")
            for label, found in rows.items():
                wall = statistics.median(w for w, _, _ in found)
                cpu = statistics.median(c for _, c, _ in found)
                print(f"| {label} | {wall:.2f} | {cpu:.2f} | {wall / anchor:.2f}x |")
            print(
                f"\ncached and uncached output identical: {len(outputs) == 1} ({verified} 'verified' mentions)"
            )
            cached = statistics.median(w for w, _, _ in rows["drift, verify, cached"])
            on = statistics.median(w for w, _, _ in clean["no drift, default"])
            off = statistics.median(w for w, _, _ in clean["no drift, --no-verify-fixes"])
            failed = len(outputs) != 1 or cached > 1.25 * anchor or on > 1.25 * off
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute("DROP DATABASE IF EXISTS bench_fix_verify WITH (FORCE)")
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
