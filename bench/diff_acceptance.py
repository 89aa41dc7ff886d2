"""Peer comparison: ``pgwarden diff --sql`` judged on a schema-diff tool's acceptance suite.

The corpus is stripe/pg-schema-diff's ``internal/migration_acceptance_tests`` (Go files holding
pairs of old and new schema DDL). It is not part of this repository: pass the folder that holds
the ``*_cases_test.go`` files. For each pair, on a throwaway PostgreSQL cluster:

1. OLD and NEW are loaded into two fresh databases;
2. the script ``pgwarden diff --from OLD --to NEW --sql --allow-destructive`` prints is applied to OLD;
3. two judges compare OLD (migrated) with NEW: pgwarden's own comparison, and a normalised
   ``pg_dump --schema-only`` of both (comments, blank lines and session settings removed).

A case passes when the script applies and both judges say "equal". A *blind spot* is a case where
pgwarden's comparison says equal but the dumps differ; *column-order* one where they differ only in
the order of a table's columns, which pgwarden does not report by design. Prints per-file and
total counts.

    .venv/bin/python bench/diff_acceptance.py PATH/internal/migration_acceptance_tests [--show FAILURES] [-k WORD]

``--cli`` runs the ``pgwarden diff`` command in a subprocess per case (slower, same script);
by default the same functions the command calls run in-process.

``--time WORD`` times the whole commands on the first case matching WORD instead: ``pgwarden
diff --sql --allow-destructive`` against ``migra --unsafe`` (``--migra PATH``), the first run
(cold) and the median of ``--repeat`` more (warm), with the ratio.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from pgwarden.contract.database import load
from pgwarden.diff import diff, render_sql
from pgwarden.scratch import Scratch, open_scratch

SKIPPED_FIELDS = ("planFactory",)
"""Cases that build their plan from other sources (folders of SQL files): not a schema pair."""


@dataclass
class Case:
    file: str
    name: str
    old: list[str]
    new: list[str]
    roles: list[str] = field(default_factory=list)
    peer_expects_error: bool = False
    """The peer's own test expects its planner to refuse this pair."""
    skip: str | None = None


# --- reading Go composite literals (only what the corpus uses: strings, nil, nested braces) ---


def _string_at(text: str, i: int) -> tuple[str, int]:
    """The Go string literal starting at ``text[i]`` and the index after it."""
    quote = text[i]
    if quote == "`":
        end = text.index("`", i + 1)
        return text[i + 1 : end], end + 1
    j = i + 1
    out: list[str] = []
    while text[j] != '"':
        if text[j] == "\\":
            nxt = text[j + 1]
            out.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(nxt, nxt))
            j += 2
            continue
        out.append(text[j])
        j += 1
    return "".join(out), j + 1


def _tokens(text: str) -> list[tuple[str, Any]]:
    """A flat token list: ('{', None), ('}', None), ('str', value), ('word', text), (',', None)."""
    toks: list[tuple[str, Any]] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in '`"':
            value, i = _string_at(text, i)
            toks.append(("str", value))
        elif text.startswith("//", i):
            i = text.index("\n", i)
        elif ch in "{},:()+":
            toks.append((ch, None))
            i += 1
        elif ch.isspace():
            i += 1
        else:
            m = re.compile(r"[^\s{},:()`\"+]+").match(text, i)
            assert m
            toks.append(("word", m.group()))
            i = m.end()
    return toks


def _cases_in(path: Path) -> list[Case]:
    text = path.read_text()
    start = re.search(r"=\s*\[\]acceptanceTestCase\s*\{", text)
    if not start:
        return []
    toks = _tokens(text[start.end() :])
    cases: list[Case] = []
    depth = 0
    i = 0
    while i < len(toks):
        kind = toks[i][0]
        if kind == "{":
            if depth == 0:
                j, fields = _struct(toks, i)
                cases.append(_case(path.name, fields))
                i = j
                continue
            depth += 1
        elif kind == "}":
            if depth == 0:
                break
            depth -= 1
        i += 1
    return cases


def _struct(toks: list[tuple[str, Any]], i: int) -> tuple[int, dict[str, list[tuple[str, Any]]]]:
    """Fields of the struct literal whose ``{`` is at ``toks[i]``: name -> its value's tokens."""
    fields: dict[str, list[tuple[str, Any]]] = {}
    depth = 0
    current: str | None = None
    i += 1
    while True:
        kind, value = toks[i]
        if depth == 0 and kind == "}":
            return i + 1, fields
        if depth == 0 and kind == "word" and i + 1 < len(toks) and toks[i + 1][0] == ":":
            current = value
            fields[current] = []
            i += 2
            continue
        if kind in "{(":
            depth += 1
        elif kind in "})":
            depth -= 1
        if current is not None:
            fields[current].append((kind, value))
        i += 1


def _strings(value: list[tuple[str, Any]]) -> list[str] | None:
    """A ``[]string{...}`` or ``nil`` value; ``None`` when it is built some other way."""
    words = [v for k, v in value if k == "word"]
    if words == ["nil"]:
        return []
    if any(w not in ("[]string",) for w in words) or any(k in ("+", "(") for k, _ in value):
        return None
    return [v for k, v in value if k == "str"]


def _case(file: str, fields: dict[str, list[tuple[str, Any]]]) -> Case:
    name = next((v for k, v in fields.get("name", []) if k == "str"), "?")
    old = _strings(fields.get("oldSchemaDDL", [("word", "nil")]))
    new = _strings(fields.get("newSchemaDDL", [("word", "nil")]))
    roles = _strings(fields.get("roles", [("word", "nil")])) or []
    case = Case(file, name, old or [], new or [], roles)
    case.peer_expects_error = "expectedPlanErrorIs" in fields or "expectedPlanErrorContains" in fields
    if any(f in fields for f in SKIPPED_FIELDS):
        case.skip = "plan built from another source"
    elif old is None or new is None:
        case.skip = "DDL not a list of string literals"
    return case


# --- judging ---

_NOISE = re.compile(r"^(--.*|SET .*|SELECT pg_catalog\.set_config.*|\\(un)?restrict .*|\s*)$")


def _dump(pg_dump: str, url: str) -> list[str]:
    out = subprocess.run(
        [pg_dump, "--schema-only", "--no-owner", url], check=True, capture_output=True, text=True
    ).stdout
    return [line.rstrip() for line in out.splitlines() if not _NOISE.match(line)]


def _unordered(dump: list[str]) -> Counter[str]:
    """The dump's lines as a multiset, without the commas that depend on a column's position."""
    return Counter(line.strip().rstrip(",") for line in dump)


def _load(url: str, ddl: list[str]) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for text in ddl:
            if text.strip():
                conn.execute(text)  # type: ignore[arg-type]  # corpus DDL, not user input


def _script(old_url: str, new_url: str, use_cli: bool) -> str:
    if use_cli:
        cmd = [sys.executable, "-m", "pgwarden", "diff", "--from", old_url, "--to", new_url, "--sql"]
        return subprocess.run(
            cmd + ["--allow-destructive"], check=True, capture_output=True, text=True
        ).stdout
    # As the command reads both sides: with owners and grants.
    return render_sql(
        diff(expected=load(new_url).schema, actual=load(old_url).schema), allow_destructive=True
    )


def judge(scratch: Scratch, admin_url: str, case: Case, use_cli: bool) -> tuple[str, str]:
    """(verdict, detail): pass, apply-failed, blind-spot, column-order, residual, or corpus-error."""
    assert scratch.cluster is not None
    pg_dump = scratch.cluster.binaries.tool("pg_dump")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        for role in case.roles:
            # The corpus gives each role as SQL (some already quoted), as its own harness runs it.
            with contextlib.suppress(psycopg.errors.DuplicateObject):
                admin.execute(sql.SQL("CREATE ROLE {}").format(sql.SQL(role)))  # type: ignore[arg-type]
    old_url = scratch.create_database("peer_old")
    new_url = scratch.create_database("peer_new")
    try:
        try:
            _load(old_url, case.old)
            _load(new_url, case.new)
        except psycopg.Error as e:
            return "corpus-error", str(e).splitlines()[0]
        script = _script(old_url, new_url, use_cli)
        try:
            with psycopg.connect(old_url, autocommit=True) as conn, conn.transaction():
                conn.execute(script)  # type: ignore[arg-type]  # the script under test
        except psycopg.Error as e:
            return "apply-failed", f"{str(e).splitlines()[0]}\n{script}"
        remaining = diff(expected=load(new_url).schema, actual=load(old_url).schema)
        if remaining:
            return "residual", f"{remaining}\n{script}"
        before, after = _dump(pg_dump, new_url), _dump(pg_dump, old_url)
        if before != after and _unordered(before) == _unordered(after):
            # Only the order of columns differs (ALTER TABLE ADD COLUMN appends): pgwarden never
            # reports column order (DESIGN.md), so this is neither a pass nor a blind spot.
            return "column-order", "\n".join(f"- {x}" for x in before) + "\n" + "\n".join(
                f"+ {x}" for x in after
            )
        if before != after:
            delta = "\n".join(
                [f"- {x}" for x in before if x not in after] + [f"+ {x}" for x in after if x not in before]
            )
            return "blind-spot", f"{delta or '(order differs)'}\n{script}"
        return "pass", ""
    finally:
        for url in (old_url, new_url):
            scratch.drop_database(url)


def _timed(cmd: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(cmd, check=False, capture_output=True, text=True)
    took = time.perf_counter() - started
    if done.returncode not in (0, 2):  # migra exits 2 when the schemas differ
        raise SystemExit(f"{cmd[0]} failed ({done.returncode}): {done.stderr.strip()[-400:]}")
    return took


def time_commands(scratch: Scratch, case: Case, migra: str, repeat: int) -> None:
    """Whole-command wall time of pgwarden diff and migra on one case, cold then warm."""
    old_url, new_url = scratch.create_database("peer_old"), scratch.create_database("peer_new")
    try:
        _load(old_url, case.old)
        _load(new_url, case.new)
        commands = {
            "pgwarden diff": [
                *(sys.executable, "-m", "pgwarden", "diff", "--from", old_url, "--to", new_url),
                *("--sql", "--allow-destructive"),
            ],
            "migra": [migra, "--unsafe", old_url, new_url],
        }
        print(f"case: {case.file} :: {case.name}")
        print(f"{'command':16} {'cold s':>8} {'warm s':>8}")
        figures: dict[str, tuple[float, float]] = {}
        for label, cmd in commands.items():
            cold = _timed(cmd)
            warm = statistics.median(_timed(cmd) for _ in range(repeat))
            figures[label] = (cold, warm)
            print(f"{label:16} {cold:8.3f} {warm:8.3f}")
        (pc, pw), (mc, mw) = figures["pgwarden diff"], figures["migra"]
        print(f"{'ratio pgw/migra':16} {pc / mc:8.2f} {pw / mw:8.2f}")
    finally:
        for url in (old_url, new_url):
            scratch.drop_database(url)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="the folder of pg-schema-diff's *_cases_test.go files")
    parser.add_argument("--cli", action="store_true", help="run `pgwarden diff` as a subprocess per case")
    parser.add_argument(
        "--show", action="append", default=[], help="print details of cases with this verdict"
    )
    parser.add_argument("-k", dest="word", default="", help="only cases whose file or name contains WORD")
    parser.add_argument(
        "--time", metavar="WORD", help="time pgwarden diff and migra on the first case matching WORD"
    )
    parser.add_argument("--migra", default=shutil.which("migra") or "migra", help="the migra executable")
    parser.add_argument("--repeat", type=int, default=5, help="warm runs per command for --time")
    args = parser.parse_args()
    cases = [c for p in sorted(args.corpus.glob("*_cases_test.go")) for c in _cases_in(p)]
    cases = [c for c in cases if args.word.lower() in f"{c.file} {c.name}".lower()]
    if args.time:
        chosen = next(c for c in cases if args.time.lower() in f"{c.file} {c.name}".lower() and not c.skip)
        with open_scratch(None) as scratch:
            time_commands(scratch, chosen, args.migra, args.repeat)
        return 0
    verdicts: Counter[str] = Counter()
    per_file: dict[str, Counter[str]] = {}
    started = time.perf_counter()
    with open_scratch(None) as scratch:
        admin_url = scratch.create_database("peer_admin")
        for case in cases:
            if case.skip:
                verdict, detail = "skipped", case.skip
            else:
                verdict, detail = judge(scratch, admin_url, case, args.cli)
            verdicts[verdict] += 1
            per_file.setdefault(case.file, Counter())[verdict] += 1
            if verdict in args.show:
                print(f"=== {verdict}: {case.file} :: {case.name}\n{detail}\n")
    judged = sum(verdicts.values()) - verdicts["skipped"]
    print(f"{'file':44} {'pass':>5} {'total':>5}  other")
    for file, counts in sorted(per_file.items()):
        total = sum(counts.values())
        other = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()) if k != "pass")
        print(f"{file:44} {counts['pass']:5} {total:5}  {other}")
    print(
        f"\npgwarden: {verdicts['pass']} of {len(cases)} cases pass ({judged} judged); "
        + ", ".join(f"{k} {v}" for k, v in sorted(verdicts.items()) if k != "pass")
        + f"; {time.perf_counter() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
