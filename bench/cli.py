"""Whole-command benchmark: `pgwarden check | diff | lint | snapshot` against their anchors, process start to exit.

Every figure is a whole process as a user starts it (`pgwarden ...` through its console script;
`migra`, `squawk`, `pg_dump` likewise), timed from spawn to exit by a small wrapper that also reads
the process tree's peak RSS and CPU time. pgwarden and the anchor run interleaved, so a noisy moment
on a shared machine hits both alike. Two figures per pgwarden command:

* cold: pgwarden's cache directory (``XDG_CACHE_HOME``) is empty when the run starts, as on a fresh
  checkout or CI runner; bytecode is compiled (as after ``pip install``) and the OS page cache is warm.
* warm: the same command again with the cache the previous run left behind.
* rebuild (``check`` only): what a project change costs: the expected schemas are gone from the
  cache, the initdb template a first run keeps there is not (a scratch cluster is copied from it).

Commands without a cache show the same figure twice. Anchors have no cache of their own: one figure.
Also printed: the import time of the command's modules (``python -X importtime``), so the share of
interpreter start and imports in each row is visible, and for each pgwarden command one more warm
run (and cold, where it caches) with ``-v``, untimed: when each of its phases ended
(``src/pgwarden/phases.py``).

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/cli.py                        # all targets, 5 runs each
    .venv/bin/python bench/cli.py --only lint,diff --repeat 9 --tables 2000 --files 1000

Exit status 0 when every target is met, 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import drift  # noqa: E402  (bench/drift.py: the two N-table databases)
import lint as lint_bench  # noqa: E402  (bench/lint.py: the generated lint corpus)

BIN = Path(sys.executable).parent
FLOOR = "python -c 'import psycopg'"
"""The interpreter and the driver import every ``check`` process pays before pgwarden's own code."""
DIFF_FLOOR = "floor: import psycopg, connect both, catalog queries (bench/catalog_floor.py)"
"""What any ``diff`` reading its catalog queries pays before building an object (no pgwarden import)."""
TARGETS = ("import", "check", "alembic", "diff", "lint", "snapshot", "migrate")

# Runs argv and prints "seconds peak_rss_kb exit_code cpu_seconds" for its process tree. On Linux it
# is a child subreaper: a scratch PostgreSQL that pg_ctl starts in the background (and so leaves to be
# adopted) is reaped here, and its CPU counts with the command's.
_MEASURE = """
import ctypes, os, resource, subprocess, sys, time
if sys.platform == "linux":
    ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
elapsed = time.perf_counter() - t
deadline = time.monotonic() + 10  # adopted servers stop with the command; never wait forever
while time.monotonic() < deadline:
    try:
        if os.waitpid(-1, os.WNOHANG) == (0, 0):
            time.sleep(0.01)
    except ChildProcessError:
        break
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
if p.returncode not in (0, 1):
    sys.stderr.write(p.stderr.decode(errors="replace"))
print(elapsed, usage.ru_maxrss, p.returncode, usage.ru_utime + usage.ru_stime)
"""

# Users run pgwarden with bytecode caches; a sandbox that sets PYTHONDONTWRITEBYTECODE would make
# every run compile pgwarden's modules again (it is installed editable here).
_BASE_ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "XDG_CACHE_HOME")}


@dataclass
class Run:
    seconds: float
    rss_mb: float
    code: int
    cpu: float
    server_cpu: float | None = None
    """CPU of the server's backends during the run, when the server is local (bench/scale.py)."""


@dataclass
class Command:
    """One command line to time; ``cached`` commands are timed cold and warm."""

    label: str
    argv: list[str]
    cwd: Path | None = None
    env: dict[str, str] | None = None
    cached: bool = False
    ok_codes: tuple[int, ...] = (0, 1)
    """Exit codes of a run that did its job (migra exits 2 when the schemas differ)."""
    baseline: bool = False
    """The same command run with ``--baseline``'s sources (a row for comparison, not a target)."""
    rebuild: bool = False
    """Also timed with only the initdb template left in the cache (a changed project)."""
    before: Callable[[], None] | None = None
    """Run before every timing of the command, untimed (a fresh database for ``migrate up``)."""


BASELINE: Path | None = None
"""``--baseline DIR``: another checkout's ``src`` whose pgwarden runs interleaved with this one."""


def with_baseline(commands: list[Command]) -> list[Command]:
    """``commands`` plus, with ``--baseline``, a twin of each pgwarden command running those sources."""
    if BASELINE is None:
        return commands
    twins = [
        Command(
            f"{c.label} [baseline]",
            c.argv,
            cwd=c.cwd,
            env={**(c.env or {}), "PYTHONPATH": str(BASELINE)},
            cached=c.cached,
            ok_codes=c.ok_codes,
            baseline=True,
            rebuild=c.rebuild,
            before=c.before,
        )
        for c in commands
        if c.label.startswith("pgwarden")
    ]
    return commands + twins


def measure(cmd: Command, cache_dir: Path | None) -> Run:
    if cmd.before is not None:
        cmd.before()
    env = {**_BASE_ENV, **(cmd.env or {})}
    if cache_dir is not None:
        env["XDG_CACHE_HOME"] = str(cache_dir)
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, *cmd.argv],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=cmd.cwd,
    )
    seconds, rss_kb, code, cpu = out.stdout.split()
    if int(code) not in cmd.ok_codes:
        raise SystemExit(f"{cmd.label} exited {code}: {' '.join(cmd.argv)}\n{out.stderr}")
    return Run(float(seconds), int(rss_kb) / 1024, int(code), float(cpu))


_PHASE = re.compile(r"^pgwarden: (\d+\.\d+) s, CPU (\d+\.\d+) s: (.+)$")


def print_phases(cmd: Command, runs: Sequence[tuple[str, Path]]) -> None:
    """``cmd`` run once more per (name, cache folder) with ``-v``: the phases it said (``phases.py``),
    each as the wall time it ended at, since pgwarden's first import."""
    for name, cache_dir in runs:
        if cmd.before is not None:
            cmd.before()
        env = {**_BASE_ENV, **(cmd.env or {}), "XDG_CACHE_HOME": str(cache_dir)}
        argv = [cmd.argv[0], "-v", *cmd.argv[1:]]
        done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=cmd.cwd)
        said = [m for m in map(_PHASE.match, done.stderr.splitlines()) if m]
        steps = " → ".join(f"{m.group(3)} {float(m.group(1)):.3f}" for m in said)
        print(f"phases of `{cmd.label}`, {name} (s since pgwarden's first import): {steps or 'none said'}")


@dataclass
class Figure:
    runs: list[Run]

    @property
    def median(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def spread(self) -> str:
        times = sorted(r.seconds for r in self.runs)
        return f"{times[0]:.3f}–{times[-1]:.3f}"

    @property
    def rss(self) -> float:
        return max(r.rss_mb for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    @property
    def server_cpu(self) -> float | None:
        found = [r.server_cpu for r in self.runs if r.server_cpu is not None]
        return statistics.median(found) if found else None


def compare(commands: Sequence[Command], repeat: int) -> dict[str, dict[str, Figure]]:
    """{label: {"cold": Figure, "warm": Figure}} with every command interleaved, after one warm-up.

    A ``--baseline`` twin its older sources cannot run (an option added since) is left out, said."""
    with tempfile.TemporaryDirectory(prefix="pgwarden-bench-cache-") as tmp:
        warm_dir = Path(tmp) / "warm"
        runnable = []
        for cmd in commands:  # warm-up: bytecode, page cache, and the warm cache directory
            try:
                measure(cmd, warm_dir)
            except SystemExit as failed:
                if not cmd.baseline:
                    raise
                print(
                    f"`{cmd.label}` not timed: the baseline's sources fail it ({str(failed).splitlines()[-1]})"
                )
                continue
            runnable.append(cmd)
        commands = runnable
        rebuild_dir = Path(tmp) / "rebuild"
        for cmd in commands:
            if cmd.rebuild:
                measure(cmd, rebuild_dir)  # keeps the initdb template there
        found: dict[str, dict[str, list[Run]]] = {
            c.label: {"cold": [], "warm": [], "rebuild": []} for c in commands
        }
        for i in range(repeat):
            for cmd in commands:
                if cmd.cached:
                    cold = Path(tmp) / f"cold-{i}"
                    found[cmd.label]["cold"].append(measure(cmd, cold))
                    shutil.rmtree(cold, ignore_errors=True)
                if cmd.rebuild:
                    for entry in (rebuild_dir / "pgwarden").iterdir():
                        if entry.is_dir() and entry.name != "clusters":  # the schemas, not the template
                            shutil.rmtree(entry)
                    found[cmd.label]["rebuild"].append(measure(cmd, rebuild_dir))
                found[cmd.label]["warm"].append(measure(cmd, warm_dir))
        for n, cmd in enumerate(commands):  # untimed: where one warm run (and a cold one) spent its time
            if cmd.label.startswith("pgwarden") and not cmd.baseline:
                cold = [("cold", Path(tmp) / f"phases-cold-{n}")] if cmd.cached else []  # empty, its own
                print_phases(cmd, [("warm", warm_dir), *cold])
    result: dict[str, dict[str, Figure]] = {}
    for label, runs in found.items():
        result[label] = {"warm": Figure(runs["warm"])}
        result[label]["cold"] = Figure(runs["cold"] or runs["warm"])
        result[label]["rebuild"] = Figure(runs["rebuild"] or runs["cold"] or runs["warm"])
    return result


def check_table(title: str, commands: Sequence[Command], figures: dict[str, dict[str, Figure]]) -> None:
    """Wall and CPU seconds of each way a ``check`` runs (cold, rebuild, warm), with the load average."""
    print(f"\n### {title}\n")
    print(
        "| command | cold s (median, range) | cold CPU s | rebuild s (median, range) | rebuild CPU s "
        "| warm s (median, range) | warm CPU s | peak RSS MB |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for cmd in [c for c in commands if c.label in figures]:
        f = figures[cmd.label]
        cells = [f"{f[k].median:.3f} ({f[k].spread}) | {f[k].cpu:.3f}" for k in ("cold", "rebuild", "warm")]
        print(f"| {cmd.label} | {' | '.join(cells)} | {f['warm'].rss:.1f} |")
    print(f"\nload average {' / '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")


@dataclass
class Verdict:
    target: str
    ok: bool


def rows_of(
    commands: Sequence[Command], figures: dict[str, dict[str, Figure]]
) -> list[tuple[str, Figure, Figure]]:
    """(label, cold, warm) of each of ``commands`` that was timed."""
    return [
        (c.label, figures[c.label]["cold"], figures[c.label]["warm"]) for c in commands if c.label in figures
    ]


def table(title: str, rows: Sequence[tuple[str, Figure, Figure]], anchor: str | None) -> None:
    print(f"\n### {title}\n")
    print(
        "| command | cold s (median, range) | cold CPU s | warm s (median, range) | CPU s | peak RSS MB "
        "| vs anchor |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    base = next((warm.median for label, _, warm in rows if label == anchor), None)
    for label, cold, warm in rows:
        ratio = ""
        if base and label != anchor:
            ratio = f"{cold.median / base:.2f}× / {warm.median / base:.2f}×"
        print(
            f"| {label} | {cold.median:.3f} ({cold.spread}) | {cold.cpu:.3f} | {warm.median:.3f} ({warm.spread}) "
            f"| {warm.cpu:.3f} | {warm.rss:.1f} | {ratio} |"
        )


# --- import time ----------------------------------------------------------------------------


def import_times(repeat: int) -> list[Verdict]:
    """Interpreter start + the imports each command pays before it does any work."""
    modules = {
        "python -c pass (interpreter only)": "pass",
        "pgwarden --help (cli)": "import pgwarden.cli",
        "check": "import pgwarden.cli.check",
        "diff": "import pgwarden.cli.diff",
        "lint": "import pgwarden.cli.lint",
        "snapshot": "import pgwarden.cli.snapshot",
    }
    commands = [Command(name, [sys.executable, "-c", code]) for name, code in modules.items()]
    figures = compare(commands, repeat)
    print("\n### start-up: interpreter + imports (no work)\n")
    print("| what | wall s (median, range) | peak RSS MB |")
    print("|---|---:|---:|")
    for cmd in commands:
        f = figures[cmd.label]["warm"]
        print(f"| {cmd.label} | {f.median:.3f} ({f.spread}) | {f.rss:.1f} |")
    for name in ("check", "diff", "lint"):
        heavy = _heaviest_imports(modules[name])
        print(f"\nheaviest imports of `{name}` (cumulative µs, -X importtime): {heavy}")
    return []


def _heaviest_imports(code: str, top: int = 6) -> str:
    env = {**_BASE_ENV}
    err = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, env=env
    ).stderr
    rows = []
    for line in err.splitlines():
        parts = line.split("|")
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        name = parts[2].rstrip()
        depth = (len(name) - len(name.lstrip())) // 2
        if depth == 1:  # top-level imports of the command module's own imports
            rows.append((int(parts[1]), name.strip()))
    rows.sort(reverse=True)
    return ", ".join(f"{name} {us / 1000:.0f} ms" for us, name in rows[:top])


# --- targets ----------------------------------------------------------------------------------


def pgwarden(*args: str) -> list[str]:
    return [str(BIN / "pgwarden"), *args]


def bench_lint(repeat: int, files: int) -> list[Verdict]:
    verdicts = []
    with tempfile.TemporaryDirectory(prefix="pgwarden-bench-lint-") as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        statements = lint_bench.generate(corpus, files)
        paths = sorted(str(p) for p in corpus.glob("*.sql"))
        squawk = lint_bench.squawk_binary()
        commands = [
            Command("squawk --reporter gcc", [squawk, "--reporter", "gcc", *paths]),
            Command("squawk --reporter json", [squawk, "--reporter", "json", *paths]),
        ]
        for fmt in ("text", "json", "github", "sarif"):
            commands.append(
                Command(
                    f"pgwarden lint --format {fmt}",
                    pgwarden("lint", "--format", fmt, str(corpus)),
                    cached=True,
                )
            )
        commands = with_baseline(commands)
        figures = compare(commands, repeat)
        rows = rows_of(commands, figures)
        table(f"lint: {files} files, {statements} statements", rows, "squawk --reporter gcc")
        base = figures["squawk --reporter gcc"]["warm"].median
        for cmd in [c for c in commands[2:] if not c.baseline]:
            f = figures[cmd.label]
            verdicts.append(
                Verdict(
                    f"{cmd.label} cold ≤ 1.5× squawk ({f['cold'].median / base:.2f}×)",
                    f["cold"].median <= 1.5 * base,
                )
            )
            verdicts.append(
                Verdict(
                    f"{cmd.label} warm ≤ 1× squawk ({f['warm'].median / base:.2f}×)", f["warm"].median <= base
                )
            )
            verdicts.append(
                Verdict(f"{cmd.label} peak RSS ≤ 100 MB ({f['warm'].rss:.0f} MB)", f["warm"].rss <= 100)
            )
    return verdicts


@contextmanager
def scratch_server(given: str | None = None) -> Iterator[str]:
    with drift.server(given) as (url, what):
        print(f"\nserver: {what}")
        yield url


def bench_diff(repeat: int, tables: int, server_url: str) -> list[Verdict]:
    pair = drift.build_pair(server_url, tables)
    try:
        commands = [
            Command(
                "migra --unsafe", [str(BIN / "migra"), "--unsafe", pair.url_a, pair.url_b], ok_codes=(0, 2)
            ),
            Command(
                "pgwarden diff --format json",
                pgwarden("diff", "--from", pair.url_b, "--to", pair.url_a, "--format", "json"),
                cached=True,
            ),
            Command(
                "pgwarden diff --sql",
                pgwarden("diff", "--from", pair.url_a, "--to", pair.url_b, "--sql"),
                cached=True,
            ),
            Command(FLOOR, [sys.executable, "-c", "import psycopg"]),
            Command(  # this design's floor: the same catalog queries, no object built, nothing compared
                DIFF_FLOOR, [sys.executable, str(HERE / "catalog_floor.py"), pair.url_b, pair.url_a]
            ),
        ]
        commands = with_baseline(commands)
        figures = compare(commands, repeat)
        rows = rows_of(commands, figures)
        table(
            f"diff: two {tables}-table databases ({pair.build_seconds:.0f} s to build)",
            rows,
            "migra --unsafe",
        )
        base = figures["migra --unsafe"]["warm"].median
        floor = figures[DIFF_FLOOR]["warm"]
        print(
            f"\nthis design's floor: {floor.median:.3f} s wall, {floor.cpu:.3f} s CPU, so at best "
            f"{base / floor.median:.1f}× migra (wall); 10× is {base / 10:.3f} s"
        )
        print(f"\nload average {' / '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
        verdicts = []
        for cmd in [c for c in commands[1:3] if not c.baseline]:
            speedup = base / figures[cmd.label]["warm"].median
            verdicts.append(Verdict(f"{cmd.label} ≥ 10× faster than migra ({speedup:.1f}×)", speedup >= 10))
        return verdicts
    finally:
        drift.drop_pair(server_url, pair)


def bench_snapshot(repeat: int, tables: int, server_url: str) -> list[Verdict]:
    pair = drift.build_pair(server_url, tables)
    try:
        pg_dump = _pg_dump()
        with tempfile.TemporaryDirectory(prefix="pgwarden-bench-snap-") as tmp:
            commands = [
                Command(
                    "pg_dump --schema-only",
                    [pg_dump, "--schema-only", "-f", f"{tmp}/dump.sql", "-d", pair.url_a],
                ),
                Command(
                    "pgwarden snapshot",
                    pgwarden("snapshot", "--db", pair.url_a, "-o", f"{tmp}/snap.json"),
                    cached=True,
                ),
            ]
            commands = with_baseline(commands)
            figures = compare(commands, repeat)  # inside: the files are written to tmp
        rows = rows_of(commands, figures)
        table(f"snapshot: one {tables}-table database", rows, "pg_dump --schema-only")
        base = figures["pg_dump --schema-only"]["warm"].median
        mine = figures["pgwarden snapshot"]["warm"].median
        return [Verdict(f"snapshot ≤ pg_dump --schema-only ({mine / base:.2f}×)", mine <= base)]
    finally:
        drift.drop_pair(server_url, pair)


def _pg_dump() -> str:
    from pgwarden.pgbin import find_binaries

    binaries = find_binaries()
    if binaries is None:
        raise SystemExit("no PostgreSQL binaries found for pg_dump")
    return binaries.tool("pg_dump")


@contextmanager
def example_database(server_url: str, example: str, dbname: str) -> Iterator[tuple[Path, dict[str, str]]]:
    """``examples/<example>`` and the environment pointing it at a fresh database ``dbname`` on
    ``server_url``, migrated by ``pgwarden migrate up``; the database is dropped afterwards. The
    URL is given both whole (``DATABASE_URL``) and in ``DB_*`` parts (alembic_bot's settings)."""
    project = ROOT / "examples" / example
    parts = urlsplit(server_url)
    url = drift.with_dbname(server_url, dbname)
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    env = {
        "DATABASE_URL": url,
        "DB_HOST": parts.hostname or "",
        "DB_PORT": str(parts.port or 5432),
        "DB_USER": parts.username or "postgres",
        "DB_PASSWORD": parts.password or "",
        "DB_NAME": dbname,
    }
    try:
        subprocess.run(
            pgwarden("migrate", "up"), cwd=project, env={**_BASE_ENV, **env}, check=True, capture_output=True
        )
        yield project, env
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))


def bench_check(repeat: int, server_url: str) -> list[Verdict]:
    """`pgwarden check` on examples/telegram_bot: models + migrations + live, its database migrated."""
    with example_database(server_url, "telegram_bot", "bench_check_bot") as (project, env):
        commands = [
            Command("pgwarden check", pgwarden("check"), cwd=project, env=env, cached=True, rebuild=True)
        ]
        commands = with_baseline(commands)
        figures = compare(commands, repeat)
    f = figures["pgwarden check"]
    check_table("check: examples/telegram_bot (models + migrations + live); no anchor", commands, figures)
    return [
        Verdict(f"check warm ≤ 0.5 s ({f['warm'].median:.2f} s)", f["warm"].median <= 0.5),
        Verdict(
            f"check after a project change ≤ 1.5 s ({f['rebuild'].median:.2f} s)",
            f["rebuild"].median <= 1.5,
        ),
        Verdict(f"check cold ≤ 1.5 s ({f['cold'].median:.2f} s)", f["cold"].median <= 1.5),
    ]


def bench_check_alembic(repeat: int, server_url: str) -> list[Verdict]:
    """`pgwarden check` vs `alembic check` on examples/alembic_bot (async env.py, URL from DB_* parts)."""
    if not urlsplit(server_url).hostname:
        print(
            "\nalembic: skipped, the example's settings build a TCP URL: pass --server postgresql://user@host:port/db"
        )
        return []
    with example_database(server_url, "alembic_bot", "bench_check_abot") as (project, env):
        commands = [
            Command("alembic check", [str(BIN / "alembic"), "check"], cwd=project, env=env),
            Command(FLOOR, [sys.executable, "-c", "import psycopg"], cwd=project, env=env),
            Command("pgwarden check", pgwarden("check"), cwd=project, env=env, cached=True, rebuild=True),
        ]
        commands = with_baseline(commands)
        figures = compare(commands, repeat)
        title = "check: examples/alembic_bot (models + 5 Alembic revisions + live) vs alembic check"
        table(
            title,
            rows_of(commands, figures),
            "alembic check",
        )
        check_table(title + ": wall and CPU", commands, figures)
        cpu = figures["alembic check"]["warm"].cpu / figures["pgwarden check"]["warm"].cpu
        print(f"\nwarm, by CPU seconds: pgwarden check is {cpu:.2f}× faster than alembic check")
        floor = figures[FLOOR]["warm"]
        anchor = figures["alembic check"]["warm"]
        print(
            f"the floor ({FLOOR}): {floor.median:.3f} s wall, {floor.cpu:.3f} s CPU; a process that imports "
            f"psycopg is at best {anchor.median / floor.median:.2f}× (wall) / {anchor.cpu / floor.cpu:.2f}× (CPU) "
            "faster than alembic check, whatever pgwarden's own code costs"
        )
        base = figures["alembic check"]["warm"].median
        speedup = base / figures["pgwarden check"]["warm"].median
        return [
            Verdict(f"alembic_bot check warm ≥ 5× faster than alembic check ({speedup:.2f}×)", speedup >= 5)
        ]


# The no-ledger floor of `migrate up` as a whole process: one transaction per file, statements one at a
# time (as pgwarden sends them), no lock, no ledger, no guard. The generated files hold one statement a line.
_FLOOR_LOOP = """
import pathlib, sys, psycopg
with psycopg.connect(sys.argv[1], autocommit=True) as conn:
    for path in sorted(pathlib.Path(sys.argv[2]).glob("*.sql")):
        with conn.transaction():
            for statement in path.read_text().split(";\\n"):
                if statement.strip():
                    conn.execute(statement.encode())
"""

_ALEMBIC_INI = "[alembic]\nscript_location = {script}\nsqlalchemy.url = {url}\n"


class FreshDatabases:
    """Commands that migrate a database created empty before each timing (untimed), on
    ``server_url``; ``url_of`` turns a database name into the URL the command is given (e.g.
    through a proxy)."""

    def __init__(self, server_url: str, url_of: Callable[[str], str] | None = None) -> None:
        self.server_url = server_url
        self.url_of = url_of or (lambda name: drift.with_dbname(server_url, name))
        self.names: list[str] = []

    def _recreate(self, name: str) -> Callable[[], None]:
        self.names.append(name)

        def recreate() -> None:
            with psycopg.connect(self.server_url, autocommit=True) as admin:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                with contextlib.suppress(psycopg.Error):  # not a superuser: no checkpoint
                    admin.execute("CHECKPOINT")  # now rather than in the middle of a timed run

        return recreate

    def floor(self, label: str, name: str, folder: Path) -> Command:
        argv = [sys.executable, "-c", _FLOOR_LOOP, self.url_of(name), str(folder)]
        return Command(label, argv, before=self._recreate(name))

    def pgwarden_up(self, label: str, name: str, folder: Path, cwd: Path, *extra: str) -> Command:
        argv = pgwarden("migrate", "up", "--db", self.url_of(name), "--migrations", str(folder), *extra)
        return Command(label, argv, cwd=cwd, before=self._recreate(name))

    def alembic_upgrade(self, label: str, name: str, script: Path, tmp: Path) -> Command:
        ini = tmp / f"{name}.ini"
        url = self.url_of(name).replace("postgresql://", "postgresql+psycopg://", 1)
        ini.write_text(_ALEMBIC_INI.format(script=script, url=url))
        return Command(
            label, [str(BIN / "alembic"), "-c", str(ini), "upgrade", "head"], before=self._recreate(name)
        )

    def drop_all(self) -> None:
        with psycopg.connect(self.server_url, autocommit=True) as admin:
            for name in self.names:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def bench_migrate(repeat: int, server_url: str, count: int = 200) -> list[Verdict]:
    """`pgwarden migrate up` of ``count`` files onto an empty database vs the no-ledger floor and
    `alembic upgrade head`, per-file transactions and one transaction for the run; whole commands,
    each timing on a database created for it (untimed)."""
    import migrate as migrate_bench  # bench/migrate.py: the generated files and Alembic revisions

    with tempfile.TemporaryDirectory(prefix="pgwarden-bench-migrate-") as tmp:
        folder, script_dir = migrate_bench.build(Path(tmp), count, "realistic")
        fresh = FreshDatabases(server_url)
        commands = [
            fresh.floor("no-ledger floor (psycopg loop)", "bench_migrate_floor", folder),
            fresh.pgwarden_up("pgwarden migrate up", "bench_migrate_pgw", folder, Path(tmp)),
            fresh.alembic_upgrade("alembic upgrade head", "bench_migrate_alembic", script_dir, Path(tmp)),
            fresh.pgwarden_up(
                "pgwarden migrate up --single-transaction",
                "bench_migrate_pgw1",
                folder,
                Path(tmp),
                "--single-transaction",
            ),
            fresh.alembic_upgrade(
                "alembic upgrade head (one transaction)",
                "bench_migrate_alembic1",
                script_dir.parent / "alembic_single",
                Path(tmp),
            ),
        ]
        commands = with_baseline(commands)
        try:
            figures = compare(commands, repeat)
        finally:
            fresh.drop_all()
    check_table(f"migrate up: {count} files onto an empty database (one statement a line)", commands, figures)
    floor = figures["no-ledger floor (psycopg loop)"]["warm"]
    per_file = figures["pgwarden migrate up"]["warm"]
    single = figures["pgwarden migrate up --single-transaction"]["warm"]
    alembic_single = figures["alembic upgrade head (one transaction)"]["warm"]
    alembic_per = figures["alembic upgrade head"]["warm"]
    print(
        f"\npgwarden / floor {per_file.median / floor.median:.3f}× (CPU {per_file.cpu:.3f} vs {floor.cpu:.3f} s); "
        f"alembic / pgwarden {alembic_per.median / per_file.median:.2f}× per file, "
        f"{alembic_single.median / single.median:.2f}× in one transaction"
    )
    return [
        Verdict(
            f"migrate up ≤ 1.05× the no-ledger floor ({per_file.median / floor.median:.3f}×)",
            per_file.median <= 1.05 * floor.median,
        ),
        Verdict(
            f"migrate up --single-transaction no slower than Alembic's ({alembic_single.median / single.median:.2f}×)",
            single.median <= alembic_single.median,
        ),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--only", default=",".join(TARGETS), help=f"comma-separated subset of {','.join(TARGETS)}"
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs per command (median and range reported)")
    parser.add_argument(
        "--tables", type=int, default=drift.TARGET_N, help="tables per database for diff and snapshot"
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="SRC",
        help="also run pgwarden from this src folder (e.g. a checkout of main), interleaved: before/after in one run",
    )
    parser.add_argument("--files", type=int, default=lint_bench.FILES, help="files in the lint corpus")
    parser.add_argument(
        "--server",
        metavar="URL",
        help="build the databases on this server (a maintenance database URL) instead of a scratch cluster; "
        "`alembic` needs one reachable over TCP",
    )
    args = parser.parse_args(argv)
    global BASELINE
    BASELINE = args.baseline.resolve() if args.baseline else None
    only = [t.strip() for t in args.only.split(",") if t.strip()]
    unknown = set(only) - set(TARGETS)
    if unknown:
        parser.error(f"unknown target(s) {', '.join(sorted(unknown))}: choose from {', '.join(TARGETS)}")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; {drift._versions()}")
    verdicts: list[Verdict] = []
    if "import" in only:
        verdicts += import_times(args.repeat)
    if "lint" in only:
        verdicts += bench_lint(args.repeat, args.files)
    db_targets: dict[str, Callable[[str], list[Verdict]]] = {
        "check": lambda url: bench_check(args.repeat, url),
        "alembic": lambda url: bench_check_alembic(args.repeat, url),
        "diff": lambda url: bench_diff(args.repeat, args.tables, url),
        "snapshot": lambda url: bench_snapshot(args.repeat, args.tables, url),
        "migrate": lambda url: bench_migrate(args.repeat, url),
    }
    if any(t in only for t in db_targets):
        with scratch_server(args.server) as url:
            for name, run in db_targets.items():
                if name in only:
                    verdicts += run(url)
    print("\n### targets\n")
    for v in verdicts:
        print(f"- {'PASS' if v.ok else 'MISS'} {v.target}")
    return 0 if all(v.ok for v in verdicts) else 1


if __name__ == "__main__":
    raise SystemExit(main())
