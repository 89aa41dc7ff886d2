"""The lean hit path: a warm `pgwarden lint` answered before the CLI is imported prints exactly what
linting afresh prints and exits the same; anything that could change the output is a miss."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pgwarden import cli
from pgwarden.lint import lean

FILES = {
    "001_jobs.sql": "CREATE TABLE IF NOT EXISTS jobs (id bigint PRIMARY KEY);\n",
    "006_jobs.sql": "CREATE TABLE IF NOT EXISTS jobs (id bigint PRIMARY KEY, chat_id bigint);\n"
    "CREATE INDEX jobs_chat_idx ON jobs (chat_id);\n",
    "007_users.sql": "ALTER TABLE users ADD COLUMN score integer DEFAULT 0;\nUPDATE users SET score = 1;\n",
    "008_broken.sql": "ALTER TABLE users ADD COLUMN;\n",
    # a password in a quoted name: every format's message names the column
    "009_link.sql": 'ALTER TABLE users RENAME COLUMN nick TO "pg://app:Hunter2-lean@db"; -- ünï\n',
}

FORMATS = ["text", "json", "github", "sarif"]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "migrations"
    folder.mkdir()
    for name, text in FILES.items():
        (folder / name).write_text(text)
    (tmp_path / "pgwarden.toml").write_text('migrations = "migrations"\n')
    return folder


def pgwarden(monkeypatch: pytest.MonkeyPatch, *argv: str) -> tuple[int, bytes, bool]:
    """Run as ``pgwarden.__main__`` does (this process's command line is ``argv``): the exit code,
    stdout's bytes, and whether the lean path answered."""
    monkeypatch.setattr(sys, "argv", ["pgwarden", *argv])
    out = io.BytesIO()
    code = lean.run(list(argv), out)
    if code is not None:
        return code, out.getvalue(), True
    text, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), out=text, err=err)
    assert err.getvalue() == ""
    return code, text.getvalue().encode(), False


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_lean_hit_prints_the_same_bytes_and_exits_the_same(
    project: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    afresh = pgwarden(monkeypatch, "lint", "--format", fmt, "--no-cache")
    first = pgwarden(monkeypatch, "lint", "--format", fmt)
    hit = pgwarden(monkeypatch, "lint", "--format", fmt)
    assert (afresh[2], first[2], hit[2]) == (False, False, True)
    assert afresh[:2] == first[:2] == hit[:2]
    assert hit[0] == 1 and b"conditional-create-assumption" in hit[1]
    assert b"Hunter2-lean" not in hit[1] and b"***" in hit[1]
    # the reports the cache keeps hold no secret either (its findings hold what the files hold)
    kept = [*lean.directory().glob("*.out"), *lean.directory().glob("*.lean")]
    assert len(kept) == 2
    for entry in kept:
        assert b"Hunter2-lean" not in entry.read_bytes(), entry


def test_the_default_folder_and_strict_are_answered_with_their_own_exit_code(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("006_jobs.sql", "008_broken.sql", "009_link.sql"):
        (project / name).unlink()
    (project / "007_users.sql").write_text("CREATE TABLE t (id bigint PRIMARY KEY, at timestamp);\n")
    for argv in (["lint", "--format", "github"], ["lint", "--format", "github", "--strict"]):
        first = pgwarden(monkeypatch, *argv)
        hit = pgwarden(monkeypatch, *argv)
        assert hit[2] and first[:2] == hit[:2]
    assert pgwarden(monkeypatch, "lint", "--format", "github")[0] == 0  # warnings only
    assert pgwarden(monkeypatch, "lint", "--format", "github", "--strict")[0] == 1


def test_any_change_is_a_miss_that_prints_what_linting_afresh_prints(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = ["lint", "--format", "json", "migrations"]

    def warm() -> tuple[int, bytes, bool]:
        pgwarden(monkeypatch, *argv)
        return pgwarden(monkeypatch, *argv)

    def check(reason: str) -> bytes:
        changed = pgwarden(monkeypatch, *argv)
        assert not changed[2], reason
        assert changed[:2] == pgwarden(monkeypatch, *argv, "--no-cache")[:2], reason
        assert pgwarden(monkeypatch, *argv)[2], reason  # and the next run is answered again
        return changed[1]

    before = warm()[1]
    (project / "007_users.sql").write_text("ALTER TABLE users DROP COLUMN score;\n")
    assert check("a changed file") != before
    (project / "010_more.sql").write_text("ALTER TABLE users ADD COLUMN nick_q7z text NOT NULL;\n")
    before = check("an added file")
    assert b"nick_q7z" in before
    (project / "001_jobs.sql").unlink()
    before, after = before, check("a removed file")
    assert after != before
    (project.parent / "pgwarden.toml").write_text(
        'migrations = "migrations"\n[lint.rules.rename-while-running]\nseverity = "warning"\n'
    )
    before, after = after, check("a changed config")
    assert after != before
    monkeypatch.setenv("APP_SECRET", "nick_q7z")  # now hidden wherever it appears
    before, after = after, check("a new secret")
    assert b"nick_q7z" not in after
    monkeypatch.chdir(project)
    argv = ["lint", "--format", "json", "."]
    check("another folder")
    assert not pgwarden(monkeypatch, *argv, "--strict")[2]  # another option: its own entry


@pytest.mark.parametrize(
    "argv",
    [
        ["lint", "--no-cache", "migrations"],
        ["lint", "--against", "schema.sql", "migrations"],
        ["lint", "--list-rules"],
        ["lint", "--help"],
        ["--verbose", "lint", "migrations"],
        ["--color", "lint", "migrations"],
        ["lint", "--frmat", "json", "migrations"],
        ["check"],
        [],
    ],
)
def test_other_command_lines_are_left_to_the_cli(argv: list[str]) -> None:
    assert lean._plain_lint(argv) is None


def test_plain_command_lines_name_their_config() -> None:
    assert lean._plain_lint(["lint"]) == ""
    assert lean._plain_lint(["--config", "x.toml", "--no-color", "lint", "--format=sarif", "a"]) == "x.toml"
    assert lean._plain_lint(["--config=y.toml", "lint", "--rule", "drop-column", "--strict", "b"]) == "y.toml"


def test_a_damaged_entry_or_a_missing_report_runs_the_cli(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = ["lint", "--format", "sarif"]
    first = pgwarden(monkeypatch, *argv)
    entries = list(lean.directory().glob("*.lean"))
    assert len(entries) == 1
    entries[0].write_bytes(b'{"format": "pgwarden-lint-lean-1", "report": "../../etc/passwd"}')
    assert pgwarden(monkeypatch, *argv) == (*first[:2], False)
    assert pgwarden(monkeypatch, *argv)[2]
    for report in lean.directory().glob("*.out"):
        report.unlink()
    assert pgwarden(monkeypatch, *argv) == (*first[:2], False)


def test_a_config_with_other_sections_is_never_answered_early(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project.parent / "pgwarden.toml").write_text('migrations = "migrations"\n[runtime]\nname = "bot"\n')
    for _ in range(2):
        assert not pgwarden(monkeypatch, "lint", "--format", "json")[2]
    assert list(lean.directory().glob("*.lean")) == []


def test_only_utf8_pipes_are_answered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BytesIO(), encoding="latin-1"))
    assert lean._stdout() is None
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BytesIO(), encoding="utf-8"))
    assert lean._stdout() is not None


def test_the_console_entry_answers_without_importing_the_cli_or_the_rules(project: Path) -> None:
    probe = (
        "import sys; from pgwarden.__main__ import main; code = main(); "
        "heavy = [m for m in ('click', 'pglast', 'pgwarden.cli', 'pgwarden.lint.rules') if m in sys.modules]; "
        "sys.stderr.write(f'{code} {heavy}')"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(project.parent / "cache")}
    runs = [
        subprocess.run(
            [sys.executable, "-c", probe, "lint", "--format", "github"],
            capture_output=True,
            env=env,
            cwd=project.parent,
            check=True,
        )
        for _ in range(2)
    ]
    assert runs[0].stdout == runs[1].stdout and b"Hunter2-lean" not in runs[1].stdout
    assert runs[0].stderr.decode().startswith("1 ['click'")
    assert runs[1].stderr.decode() == "1 []"
