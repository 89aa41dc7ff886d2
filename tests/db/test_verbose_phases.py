"""``pgwarden -v``: each command says where its time went, phase by phase, on stderr."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest

from pgwarden.cli import main
from pgwarden.scratch import Scratch

PHASE = re.compile(r"^pgwarden: (\d+\.\d{3}) s, CPU (\d+\.\d{3}) s: (.+)$")


def phases(*argv: str) -> tuple[int, list[str]]:
    """Run ``pgwarden -v argv``: its exit code and the phases it said, in order (times checked)."""
    out, err = io.StringIO(), io.StringIO()
    code = main(["-v", *argv], out, err)
    said = [m for m in map(PHASE.match, err.getvalue().splitlines()) if m]
    walls = [float(m.group(1)) for m in said]
    cpus = [float(m.group(2)) for m in said]
    assert walls == sorted(walls) and cpus == sorted(cpus), err.getvalue()
    return code, [m.group(3) for m in said]


def test_without_v_no_phase_is_said(tmp_path: Path) -> None:
    (tmp_path / "001_a.sql").write_text("CREATE TABLE a (id int);\n")
    main(
        ["-v", "lint", "--no-cache", str(tmp_path)], io.StringIO(), io.StringIO()
    )  # -v ends with its command
    out, err = io.StringIO(), io.StringIO()
    main(["lint", "--no-cache", str(tmp_path)], out, err)
    assert not [line for line in err.getvalue().splitlines() if PHASE.match(line)], err.getvalue()


def test_lint_says_reading_linting_and_a_cache_hit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_a.sql").write_text("CREATE TABLE a (id int);\nCREATE INDEX a_id ON a (id);\n")
    code, first = phases("lint", "--format", "json", str(folder))
    assert first == [
        "options read, the command's code imported",
        "1 file(s) read and hashed",
        "linted: 3 finding(s)",  # a lock-taking CREATE INDEX, no lock_timeout, no statement_timeout
        "report rendered",
        "report kept",
        f"done, exit code {code}",
    ]
    _, again = phases("lint", "--format", "json", str(folder))
    assert again[2] == "the report found in the cache"


def test_diff_migrate_up_snapshot_and_check_say_their_phases(
    db_url: str, scratch: Scratch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PGWARDEN_NO_CACHE", "1")
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "001_users.sql").write_text("CREATE TABLE users (id int PRIMARY KEY);\n")
    (tmp_path / "migrations" / "002_notes.sql").write_text("CREATE TABLE notes (id int);\n")

    code, said = phases("migrate", "up", "--db", db_url, "--migrations", "migrations")
    assert code == 0
    assert said[1:] == [
        "connected, the ledger read against 2 file(s)",
        "applied 2 of 2 pending file(s)",
        "done, exit code 0",
    ]

    code, said = phases("snapshot", "--db", db_url, "-o", "snapshot.json")
    assert (code, said[1:]) == (0, ["schema read (2 tables)", "done, exit code 0"])

    empty = scratch.create_database("phases_empty")
    code, said = phases("diff", "--from", empty, "--to", db_url)
    assert code == 1
    assert sorted(said[1:3]) == ["FROM read (0 tables)", "TO read (2 tables)"]  # read at the same time
    assert said[3:] == ["compared: 2 difference(s)", "done, exit code 1"]

    code, said = phases("check", "--db", db_url, "--migrations", "migrations")
    assert said[1:] == [
        "the driver and the comparison imported",
        "database URL found",
        "connected to the live database",
        "live database read: the ledger and the catalog (2 tables)",
        "expected schema ready: migrations",
        "compared",
        "the running service's and the backups' state read",
        f"done, exit code {code}",
    ]


def test_an_alembic_migrate_up_says_its_revisions(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "bot"
    shutil.copytree(Path(__file__).resolve().parents[2] / "examples" / "alembic_bot", root)
    monkeypatch.chdir(root)
    code, said = phases("migrate", "up", "--db", db_url)
    assert code == 0
    assert said[1:] == ["applied 5 of 5 pending Alembic revision(s)", "done, exit code 0"]
