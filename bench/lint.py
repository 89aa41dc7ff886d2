"""Lint benchmark: pgwarden lint against squawk-cli on a generated corpus, plus Squawk rule coverage."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

FILES = 1000
STATEMENTS_PER_FILE = 8
TARGET_RSS_MB = 100.0

# Runs a command and prints "seconds peak_rss_kb exit_code cpu_seconds" for it (its own process
# tree only; CPU is user + system over all its processes, so a tool using two cores shows it).
_MEASURE = """
import resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
elapsed = time.perf_counter() - t
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(elapsed, usage.ru_maxrss, p.returncode, usage.ru_utime + usage.ru_stime)
"""

# pgwarden's lint command as users run it: ``python -m pgwarden`` is what the console script runs
# (the whole CLI: click group, config, a stdout that redacts secrets, the exit code).
_PGWARDEN = ["-m", "pgwarden", "lint"]

# The same lint and rendering without the click layer and the config lookup: the difference
# to the CLI row is what click, pgwarden.cli and the config file cost.
_ENGINE = """
import sys
from pathlib import Path
from pgwarden.formats import render
from pgwarden.lint import ALL_RULES, Settings, lint_paths
render(lint_paths([Path(sys.argv[1])], Settings(rules=ALL_RULES)), "github", sys.stdout)
"""

# The rendering of one cold run's findings in each format, timed in-process and written to a
# stream that redacts as the CLI's stdout does: its share of a whole cold run is the target.
_RENDER = """
import io, statistics, sys, time
from pathlib import Path
from pgwarden import formats
from pgwarden.lint import ALL_RULES, Settings, lint_paths
from pgwarden._collector import cycle_collector_off
from pgwarden.lint.report import render_text
from pgwarden.redact import redacting
found = lint_paths([Path(sys.argv[1])], Settings(rules=ALL_RULES))
title = f"pgwarden lint: {len(ALL_RULES)} rules"
for fmt in sys.argv[2:]:
    runs = []
    for _ in range(5):
        out = redacting(io.StringIO())
        t = time.process_time()
        with cycle_collector_off():  # as the CLI renders
            if fmt == "text":
                render_text(found, out, color=False, title=title)
            else:
                formats.render(found, fmt, out, color=False, title=title)
        out.flush()
        runs.append(time.process_time() - t)
    print(fmt, statistics.median(runs), len(found))
"""

_TEMPLATES = (
    "CREATE TABLE IF NOT EXISTS t{n}_{i} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, created_at timestamptz DEFAULT now());",
    "ALTER TABLE t{n}_0 ADD COLUMN IF NOT EXISTS note_{i} text;",
    "CREATE INDEX idx_{n}_{i} ON t{n}_0 (name);",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_c_{n}_{i} ON users (email);",
    "ALTER TABLE users ADD COLUMN score_{n}_{i} integer DEFAULT 0;",
    "UPDATE users SET score = 0 WHERE id < {i};",
    "ALTER TABLE orders ADD CONSTRAINT fk_{n}_{i} FOREIGN KEY (user_id) REFERENCES users (id);",
    "ALTER TABLE orders ALTER COLUMN total TYPE numeric(12, 2);",
    "DO $$\nBEGIN\n    IF NOT EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'jobs_{n}') THEN\n        CREATE TABLE jobs_{n} (id bigint PRIMARY KEY, chat_id bigint, done_at timestamp);\n    END IF;\nEND $$;",
    "CREATE OR REPLACE FUNCTION touch_{n}_{i}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n    NEW.updated_at := now();\n    RETURN NEW;\nEND $$;",
    "ALTER TABLE users RENAME COLUMN nick_{i} TO nickname_{i};",
    "CREATE TABLE audit_{n}_{i} (id serial PRIMARY KEY, payload varchar(200), at timestamp);",
    "SET lock_timeout = '5s';",
    "DELETE FROM sessions WHERE expires_at < now();",
    "ALTER TABLE users ALTER COLUMN email SET NOT NULL;",
    "COMMENT ON TABLE users IS 'people who talk to the bot';",
)

# One triggering example per Squawk rule, and the pgwarden rule that covers it.
COVERAGE: dict[str, tuple[str, str]] = {
    "adding-field-with-default": (
        "ALTER TABLE t ADD COLUMN c uuid DEFAULT gen_random_uuid();",
        "volatile-default-rewrite",
    ),
    "adding-foreign-key-constraint": (
        "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (u) REFERENCES u (id);",
        "foreign-key-lock",
    ),
    "adding-not-nullable-field": ("ALTER TABLE t ALTER COLUMN a SET NOT NULL;", "set-not-null-scan"),
    "adding-required-field": ("ALTER TABLE t ADD COLUMN b text NOT NULL;", "required-column-without-default"),
    "adding-serial-primary-key-field": (
        "ALTER TABLE t ADD COLUMN id bigserial PRIMARY KEY;",
        "primary-key-without-index",
    ),
    "ban-alter-domain-with-add-constraint": (
        "ALTER DOMAIN d ADD CONSTRAINT c CHECK (VALUE > 0);",
        "domain-check-constraint",
    ),
    "ban-char-field": ("CREATE TABLE t (a char(10));", "char-column"),
    "ban-concurrent-index-creation-in-transaction": (
        "BEGIN; CREATE INDEX CONCURRENTLY i ON t (a); COMMIT;",
        "concurrently-in-transaction",
    ),
    "ban-create-domain-with-constraint": (
        "CREATE DOMAIN d AS int CHECK (VALUE > 0);",
        "domain-check-constraint",
    ),
    "ban-drop-column": ("ALTER TABLE t DROP COLUMN a;", "drop-column"),
    "ban-drop-database": ("DROP DATABASE d;", "drop-database"),
    "ban-drop-not-null": ("ALTER TABLE t ALTER COLUMN a DROP NOT NULL;", "drop-not-null"),
    "ban-drop-table": ("DROP TABLE t;", "drop-table"),
    "ban-duplicate-column-assignments": ("UPDATE t SET a = 1, a = 2;", "duplicate-column-assignment"),
    "ban-truncate-cascade": ("TRUNCATE t CASCADE;", "data-wipe"),
    "ban-uncommitted-transaction": ("BEGIN; CREATE TABLE t (id bigint);", "unclosed-transaction"),
    "changing-column-type": ("ALTER TABLE t ALTER COLUMN a TYPE bigint;", "column-type-change"),
    "constraint-missing-not-valid": (
        "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0);",
        "constraint-without-not-valid",
    ),
    "disallowed-unique-constraint": (
        "ALTER TABLE t ADD CONSTRAINT u UNIQUE (a);",
        "unique-constraint-without-index",
    ),
    "identifier-too-long": ("CREATE TABLE t (" + "a" * 70 + " text);", "identifier-over-63-bytes"),
    "prefer-bigint-over-int": ("CREATE TABLE t (a_id int);", "int-instead-of-bigint"),
    "prefer-bigint-over-smallint": ("CREATE TABLE t (a_id smallint);", "int-instead-of-bigint"),
    "prefer-identity": ("CREATE TABLE t (id serial);", "serial-instead-of-identity"),
    "prefer-robust-stmts": ("ALTER TABLE t ADD COLUMN b text;", "non-robust-statement"),
    "prefer-text-field": ("CREATE TABLE t (a varchar(100));", "varchar-length-limit"),
    "prefer-timestamp-tz": ("CREATE TABLE t (a timestamp);", "timestamp-without-time-zone"),
    "renaming-column": ("ALTER TABLE t RENAME COLUMN a TO b;", "rename-while-running"),
    "renaming-table": ("ALTER TABLE t RENAME TO u;", "rename-while-running"),
    "require-concurrent-index-creation": ("CREATE INDEX idx_a ON t (a);", "index-without-concurrently"),
    "require-concurrent-index-deletion": ("DROP INDEX idx_a;", "drop-index-without-concurrently"),
    "require-concurrent-partition-detach": (
        "ALTER TABLE p DETACH PARTITION c;",
        "detach-partition-without-concurrently",
    ),
    "require-concurrent-reindex": ("REINDEX TABLE t;", "reindex-without-concurrently"),
    "require-enum-value-ordering": ("ALTER TYPE e ADD VALUE 'x';", "enum-value-without-position"),
    "require-lock-timeout": ("ALTER TABLE t ADD COLUMN c boolean;", "missing-lock-timeout"),
    "require-statement-timeout": ("ALTER TABLE t ADD COLUMN c boolean;", "missing-statement-timeout"),
    "transaction-nesting": ("BEGIN; BEGIN; SELECT 1; COMMIT; COMMIT;", "nested-transaction"),
}


def generate(folder: Path, files: int = FILES, per_file: int = STATEMENTS_PER_FILE) -> int:
    """Write the corpus; return the number of statements."""
    count = 0
    for n in range(files):
        parts = [f"-- migration {n}: generated for the lint benchmark"]
        for i in range(per_file):
            parts.append(_TEMPLATES[(n * per_file + i * 7) % len(_TEMPLATES)].format(n=n, i=i))
            count += 1
        (folder / f"{n:04d}_step.sql").write_text("\n\n".join(parts) + "\n")
    return count


# Users run pgwarden with bytecode caches; a sandbox that sets PYTHONDONTWRITEBYTECODE would make
# every run compile pgwarden's modules again (it is installed editable here).
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def measure(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float, int, float]:
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, *argv], capture_output=True, text=True, check=True, env=env or _ENV
    )
    seconds, rss_kb, code, cpu = out.stdout.split()
    return float(seconds), int(rss_kb) / 1024, int(code), float(cpu)


def squawk_binary() -> str:
    found = shutil.which("squawk") or str(Path(sys.executable).with_name("squawk"))
    if not Path(found).exists():
        raise SystemExit("squawk not found: .venv/bin/pip install squawk-cli")
    return found


def speed(
    folder: Path, repeat: int, formats: list[str], cache: Path
) -> dict[str, tuple[float, float, float]]:
    """Median wall, worst peak RSS and median CPU per command, interleaved ``repeat`` times.

    ``pgwarden FMT cold`` lints with ``--no-cache``; ``pgwarden FMT warm`` reads the results cache
    (in ``cache``, filled by the warm-up run).
    """
    files = sorted(str(p) for p in folder.glob("*.sql"))
    commands: dict[str, list[str]] = {
        # One line per finding from both: squawk's gcc reporter, pgwarden's GitHub annotations.
        "squawk": [squawk_binary(), "--reporter", "gcc", *files],
    }
    for fmt in formats:
        commands[f"pgwarden {fmt} cold"] = [
            sys.executable,
            *_PGWARDEN,
            "--format",
            fmt,
            "--no-cache",
            str(folder),
        ]
        commands[f"pgwarden {fmt} warm"] = [sys.executable, *_PGWARDEN, "--format", fmt, str(folder)]
    commands["engine"] = [sys.executable, "-c", _ENGINE, str(folder)]
    env = {**_ENV, "XDG_CACHE_HOME": str(cache)}
    for argv in commands.values():  # warm-up: bytecode caches, the page cache, the results cache
        measure(argv, env)
    # Interleaved, so a noisy moment on a shared machine hits every tool alike.
    all_runs: dict[str, list[tuple[float, float, int, float]]] = {tool: [] for tool in commands}
    for _ in range(repeat):
        for tool, argv in commands.items():
            all_runs[tool].append(measure(argv, env))
    results: dict[str, tuple[float, float, float]] = {}
    for tool, runs in all_runs.items():
        results[tool] = (
            statistics.median(r[0] for r in runs),
            max(r[1] for r in runs),
            statistics.median(r[3] for r in runs),
        )
    return results


def render_times(folder: Path, formats: list[str]) -> dict[str, float]:
    """CPU seconds to render (and redact) one cold run's findings, per format."""
    out = subprocess.run(
        [sys.executable, "-c", _RENDER, str(folder), *formats],
        capture_output=True,
        text=True,
        check=True,
        env=_ENV,
    ).stdout
    return {line.split()[0]: float(line.split()[1]) for line in out.splitlines()}


def coverage(folder: Path) -> list[tuple[str, bool, str, bool]]:
    """(squawk rule, squawk flags it, pgwarden rule, pgwarden flags it) per example."""
    for rule, (sql, _) in COVERAGE.items():
        (folder / f"{rule}.sql").write_text(sql + "\n")
    files = sorted(str(p) for p in folder.glob("*.sql"))
    raw = subprocess.run(
        [squawk_binary(), "--reporter", "json", *files], capture_output=True, text=True
    ).stdout
    squawk: dict[str, set[str]] = {}
    for v in json.loads(raw or "[]"):
        squawk.setdefault(Path(v["file"]).stem, set()).add(v["rule_name"])
    # Squawk assumes no surrounding transaction by default; tell pgwarden the same.
    argv = [sys.executable, *_PGWARDEN, "--format", "json", "--no-assume-in-transaction", str(folder)]
    doc = json.loads(subprocess.run(argv, capture_output=True, text=True).stdout)
    ours: dict[str, set[str]] = {}
    for f in doc["findings"]:
        ours.setdefault(Path(f["object"].split(":")[0]).stem, set()).add(f["code"])
    return [
        (rule, rule in squawk.get(rule, set()), mine, mine in ours.get(rule, set()))
        for rule, (_, mine) in COVERAGE.items()
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=FILES)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--formats", default="text,json,github,sarif", help="Comma-separated output formats.")
    args = parser.parse_args(argv)
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    ok = True
    with tempfile.TemporaryDirectory(prefix="pgwarden-lint-bench-") as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        n = generate(corpus, args.files)
        results = speed(corpus, args.repeat, formats, Path(tmp) / "cache")
        sq = results["squawk"]
        print(
            f"corpus: {args.files} files, {n} statements; median of {args.repeat} interleaved runs, peak RSS "
            f"of the worst run; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n"
        )
        print("| command | wall time (s) | CPU time (s) | peak RSS (MB) | wall / squawk | CPU / squawk |")
        print("|---|---:|---:|---:|---:|---:|")
        for tool, (wall, rss, cpu) in results.items():
            names = {"squawk": "squawk-cli (gcc reporter)", "engine": "engine + github render, no CLI"}
            name = names.get(tool) or f"`pgwarden lint --format {tool.split()[1]}`, {tool.split()[2]}"
            print(
                f"| {name} | {wall:.3f} | {cpu:.3f} | {rss:.1f} | {wall / sq[0]:.2f}x | "
                f"{cpu / sq[2] if sq[2] else float('inf'):.2f}x |"
            )
        print()
        for fmt in formats:
            cold, warm = results[f"pgwarden {fmt} cold"], results[f"pgwarden {fmt} warm"]
            for label, row, limit in (("cold", cold, 1.5), ("warm", warm, 1.0)):
                ratio = row[0] / sq[0] if sq[0] else float("inf")
                met = ratio <= limit and row[1] <= TARGET_RSS_MB
                ok = ok and met
                print(
                    f"{'PASS' if met else 'MISS'}  {fmt} {label}: {ratio:.2f}x squawk's wall time (target <= "
                    f"{limit}), peak RSS {row[1]:.1f} MB (target <= {TARGET_RSS_MB:.0f})"
                )
        print(
            "\n| format | rendering + redaction CPU (s) | share of the cold run's CPU | share of its wall time |"
        )
        print("|---|---:|---:|---:|")
        for fmt, seconds in render_times(corpus, formats).items():
            wall, _, cpu = results[f"pgwarden {fmt} cold"]
            share = seconds / cpu if cpu else float("inf")
            ok = ok and share <= 0.10
            print(f"| {fmt} | {seconds:.3f} | {share:.0%} | {seconds / wall if wall else 0:.0%} |")
        cov_dir = Path(tmp) / "coverage"
        cov_dir.mkdir()
        rows = coverage(cov_dir)
        print("\n| squawk rule | squawk flags | pgwarden rule | pgwarden flags |")
        print("|---|:---:|---|:---:|")
        for rule, s_flag, mine, p_flag in rows:
            print(f"| {rule} | {'yes' if s_flag else 'no'} | {mine} | {'yes' if p_flag else 'NO'} |")
        missed = [r for r in rows if not r[3]]
        print(f"\ncoverage: pgwarden flags {len(rows) - len(missed)}/{len(rows)} Squawk examples")
        ok = ok and not missed
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
