"""Peer comparison: pgwarden's diff scripts on migra's own fixtures (pairs of schemas a/b).

For each fixture folder (``a.sql``, ``b.sql``) under the path given: load ``a`` and ``b`` into
two fresh databases on a throwaway cluster, render ``pgwarden diff --sql`` (destructive changes
allowed, as migra's fixtures expect), apply the script to ``a`` in one transaction, read ``a``
back and diff it against ``b`` again. A fixture passes when the script applies and nothing is
left to diff. migra's files are read from where you cloned them; none are copied here.

    git clone https://github.com/djrobstep/migra /tmp/migra
    .venv/bin/python bench/diff_peer.py /tmp/migra/tests/FIXTURES [--show-failures]
    # and, judged by both tools, with migra's own figure beside pgwarden's:
    python3 -m venv /tmp/migra-venv && /tmp/migra-venv/bin/pip install migra psycopg2-binary 'sqlalchemy<2'
    .venv/bin/python bench/diff_peer.py /tmp/migra/tests/FIXTURES --migra /tmp/migra-venv/bin/migra

A result counts when the judge finds nothing left: pgwarden's own diff, and with ``--migra``
also ``migra --unsafe --with-privileges`` (exit 0, empty output). With ``--migra`` the same is
done for migra's own script, so both tools' figures come from the same run and judges.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from pgwarden.catalog import Schema, inspect
from pgwarden.catalog.acl import with_privileges
from pgwarden.diff import diff, render_sql
from pgwarden.scratch import Scratch, open_scratch

SETUP = """
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'schemainspect_test_role') THEN
    CREATE ROLE schemainspect_test_role;
  END IF;
END $$;
"""
"""Roles some fixtures grant to (migra's test suite creates them the same way)."""


@dataclass(frozen=True)
class Outcome:
    name: str
    ok: bool
    detail: str = ""


Tool = Callable[[str, str], str]
"""(url of a, url of b) -> what the tool has left to do to turn a into b ("" for nothing)."""


def _load(scratch: Scratch, label: str, text: str) -> str:
    url = scratch.create_database(label)
    with psycopg.connect(url, autocommit=True) as conn:
        if text.strip():
            conn.execute(text)  # type: ignore[arg-type]
    return url


def _inspect(url: str) -> Schema:
    with psycopg.connect(url, autocommit=True) as conn:
        return with_privileges(conn, inspect(conn))


def pgwarden_script(a_url: str, b_url: str) -> str:
    return render_sql(diff(expected=_inspect(b_url), actual=_inspect(a_url)), allow_destructive=True)


def migra_tool(binary: str) -> Tool:
    def script(a_url: str, b_url: str) -> str:
        run = subprocess.run(
            [binary, "--unsafe", "--with-privileges", a_url, b_url],
            capture_output=True,
            text=True,
            check=False,
        )
        if run.returncode not in (0, 2):
            raise RuntimeError(f"migra fails: {run.stderr.strip().splitlines()[-1:]}")
        return run.stdout

    return script


def run_fixture(scratch: Scratch, folder: Path, tool: Tool, judges: dict[str, Tool]) -> Outcome:
    """Apply ``tool``'s script to ``a``; every judge must find nothing left to do towards ``b``."""
    a_url = _load(scratch, "a", (folder / "a.sql").read_text())
    b_url = _load(scratch, "b", (folder / "b.sql").read_text())
    try:
        script = tool(a_url, b_url)
        with psycopg.connect(a_url, autocommit=True) as conn:
            try:
                with conn.transaction():
                    if script.strip():
                        conn.execute(script)  # type: ignore[arg-type]
            except psycopg.Error as exc:
                first = str(exc).strip().splitlines()[0]
                return Outcome(folder.name, False, f"script fails: {first}\n{script}")
        for judge, left_of in judges.items():
            left = left_of(a_url, b_url).strip()
            if left:
                summary = " ".join(left.split())[:100]
                return Outcome(folder.name, False, f"{judge} finds: {summary}\n{script}\n-- left:\n{left}")
        return Outcome(folder.name, True)
    finally:
        scratch.drop_database(a_url)
        scratch.drop_database(b_url)


def _run(scratch: Scratch, folders: list[Path], tool: Tool, judges: dict[str, Tool], show: bool) -> int:
    passed = 0
    for folder in folders:
        try:
            outcome = run_fixture(scratch, folder, tool, judges)
        except (psycopg.Error, RuntimeError) as exc:
            outcome = Outcome(folder.name, False, f"error: {str(exc).strip().splitlines()[0]}")
        passed += outcome.ok
        first = outcome.detail.splitlines()[0] if outcome.detail else ""
        print(f"  {'ok  ' if outcome.ok else 'FAIL'} {outcome.name:<20} {first}")
        if show and not outcome.ok:
            print("\n".join("       " + line for line in outcome.detail.splitlines()[1:]))
    return passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("fixtures", type=Path, help="migra's tests/FIXTURES folder")
    parser.add_argument("--migra", help="a migra executable: judge with it too, and measure migra itself")
    parser.add_argument("--show-failures", action="store_true", help="print each failing script")
    parser.add_argument("--only", action="append", default=[], help="run this fixture only (repeatable)")
    args = parser.parse_args(argv)
    folders = sorted(p for p in args.fixtures.iterdir() if (p / "a.sql").exists() and (p / "b.sql").exists())
    if args.only:
        folders = [p for p in folders if p.name in args.only]
    if not folders:
        print(f"{args.fixtures}: no fixture folders (a.sql + b.sql) found; pass migra's tests/FIXTURES.")
        return 2
    judges: dict[str, Tool] = {"pgwarden": pgwarden_script}
    tools: dict[str, Tool] = {"pgwarden": pgwarden_script}
    if args.migra:
        judges["migra"] = tools["migra"] = migra_tool(args.migra)
    results: dict[str, int] = {}
    with open_scratch() as scratch:
        with psycopg.connect(scratch.server_url, autocommit=True) as conn:
            conn.execute(SETUP)
        for name, tool in tools.items():
            print(f"{name}'s script, judged by {' and '.join(judges)}:")
            results[name] = _run(scratch, folders, tool, judges, args.show_failures)
    print()
    print(f"{'tool':<10} {'round-trips':>14}   judged by")
    for name, passed in results.items():
        print(f"{name:<10} {passed:>9} / {len(folders):<3}   {' and '.join(judges)}")
    return 0


def _main() -> Any:
    sys.exit(main())


if __name__ == "__main__":
    _main()
