"""The lint results cache: a hit prints exactly what linting afresh prints; any change is a miss."""

from __future__ import annotations

import os
from collections.abc import Mapping
from io import StringIO
from pathlib import Path

import click
import pytest

from pgwarden.cli._state import State
from pgwarden.cli.lint import lint
from pgwarden.findings import Finding, Severity
from pgwarden.lint import cache

FILES = {
    "001_jobs.sql": "CREATE TABLE IF NOT EXISTS jobs (id bigint PRIMARY KEY);\n",
    # the chain: 006 only makes sense knowing what 001 created (incident 004)
    "006_jobs.sql": "CREATE TABLE IF NOT EXISTS jobs (id bigint PRIMARY KEY, chat_id bigint);\n"
    "CREATE INDEX jobs_chat_idx ON jobs (chat_id);\n",
    "007_users.sql": "-- pgwarden:ignore drop-column -- the column was never read\n"
    "ALTER TABLE users DROP COLUMN nick;\nALTER TABLE users ADD COLUMN score integer DEFAULT 0;\n"
    "UPDATE users SET score = 1;\n",
    "008_broken.sql": "ALTER TABLE users ADD COLUMN;\n",
    "009_tabs.sql": "ALTER TABLE orders\tALTER COLUMN total TYPE numeric(12, 2); -- ünï\n",
}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "migrations"
    folder.mkdir()
    for name, text in FILES.items():
        (folder / name).write_text(text)
    (tmp_path / "pgwarden.toml").write_text("")
    return folder


def run(folder: Path, *args: str) -> tuple[int, str]:
    out = StringIO()
    code = click.Group(commands=[lint]).main(
        ["lint", *args, str(folder)],
        standalone_mode=False,
        obj=State(out=out, config_path=str(folder.parent / "pgwarden.toml"), color=False),
    )
    return int(code), out.getvalue()


def entries() -> list[Path]:
    return sorted(cache.directory().glob("*.json"))


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif"])
def test_a_hit_prints_the_same_bytes_as_linting_afresh(project: Path, fmt: str) -> None:
    afresh = run(project, "--format", fmt, "--no-cache")
    assert entries() == []  # --no-cache writes nothing
    first = run(project, "--format", fmt)
    assert len(entries()) == 1
    hit = run(project, "--format", fmt)
    assert afresh == first == hit
    assert afresh[0] == 1 and "conditional-create-assumption" in afresh[1]  # the chain's finding


def test_a_hit_does_not_lint(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = run(project, "--format", "json")

    def refuse(*args: object) -> list[Finding]:
        raise AssertionError("linted although the cache held the answer")

    monkeypatch.setattr("pgwarden.cli.lint.lint_paths", refuse)
    assert run(project, "--format", "json") == first


def test_changed_content_settings_or_directory_are_misses(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = run(project, "--format", "json")
    (project / "008_broken.sql").write_text("ALTER TABLE users ADD COLUMN c text;\n")
    fixed = run(project, "--format", "json")
    assert fixed != base and "syntax-error" in base[1] and "syntax-error" not in fixed[1]
    assert run(project, "--format", "json", "--no-cache") == fixed
    only = run(project, "--format", "json", "--rule", "drop-column")
    assert only == run(project, "--format", "json", "--rule", "drop-column", "--no-cache")
    assert only != fixed
    # findings name files relative to the working directory: another one is another key
    monkeypatch.chdir(project)
    assert run(project, "--format", "json") == run(project, "--format", "json", "--no-cache")
    assert len(entries()) == 4  # before and after the edit, one rule only, another directory


def test_a_directory_others_may_write_is_not_used(project: Path) -> None:
    where = cache.directory()
    where.mkdir(parents=True)
    os.chmod(where, 0o777)
    run(project, "--format", "json")
    assert entries() == []
    os.chmod(where, 0o700)
    run(project, "--format", "json")
    assert len(entries()) == 1


def reports() -> list[Path]:
    return sorted(cache.directory().glob("*.out"))


def test_a_damaged_entry_is_linted_afresh(project: Path) -> None:
    first = run(project, "--format", "json")
    (entry,) = entries()
    entry.write_bytes(b'[{"code": "PW1"')
    (report,) = reports()
    report.unlink()  # else the stored report answers without reading the findings
    assert run(project, "--format", "json") == first


@pytest.mark.parametrize("damage", [b"", b"[1]\n", b"[1, 1]\n\xff\xfe", b'["1", 1]\nx'])
def test_a_damaged_report_is_rendered_afresh(project: Path, damage: bytes) -> None:
    first = run(project, "--format", "text")
    (report,) = reports()
    report.write_bytes(damage)
    assert run(project, "--format", "text") == first
    assert report.read_bytes() != damage  # written again


def test_a_stored_report_is_written_without_building_findings(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = {fmt: run(project, "--format", fmt) for fmt in ("text", "json", "sarif")}
    strict = run(project, "--format", "github", "--strict")
    assert len(entries()) == 1 and len(reports()) == 4  # one run's findings, a report per format

    def refuse(*args: object) -> None:
        raise AssertionError("findings built or rendered although the report was stored")

    monkeypatch.setattr(cache, "_load", refuse)
    monkeypatch.setattr(cache, "_findings", refuse)
    for fmt, expected in first.items():
        assert run(project, "--format", fmt) == expected
    assert run(project, "--format", "github", "--strict") == strict


def test_the_exit_code_of_a_stored_report_follows_strict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pgwarden.toml").write_text("")
    folder = tmp_path / "sql"
    folder.mkdir()
    (folder / "a.sql").write_text("CREATE TABLE t (a timestamp);\n")  # warnings only
    assert run(folder)[0] == 0
    assert run(folder, "--strict")[0] == 1
    assert len(reports()) == 1  # --strict changes the exit code, not the text
    assert run(folder)[0] == 0 and run(folder, "--strict")[0] == 1


def test_reports_differ_by_format_and_title(project: Path) -> None:
    run(project, "--format", "json")
    run(project, "--format", "json", "--rule", "drop-column")
    run(project, "--format", "github")
    assert len(reports()) == 3 and len(entries()) == 2


def test_evidence_json_would_change_is_not_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "a.sql").write_text("SELECT 1;\n")
    odd = Finding("PW1", "k", Severity.ERROR, "a.sql:1:1", "m", source="lint", evidence={"n": float("nan")})
    from pgwarden.lint import ALL_RULES, Settings

    found = cache.lint_cached([tmp_path / "a.sql"], Settings(rules=ALL_RULES), lambda files, s: [odd])
    assert found == [odd] and entries() == []


def test_a_hit_skips_the_folder_check_until_a_name_in_the_folder_changes(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pgwarden.cli import lint as lint_cli
    from pgwarden.errors import SourceError

    checked: list[Path] = []
    discover = lint_cli.discover

    def counting(folder: Path, contents: Mapping[Path, bytes] | None = None) -> object:
        checked.append(folder)
        return discover(folder, contents)

    monkeypatch.setattr(lint_cli, "discover", counting)
    first = run(project, "--format", "json")
    assert checked == [project]
    assert run(project, "--format", "json") == first
    assert checked == [project]  # a hit: the same names and contents passed before
    # a down file is not linted, but `migrate` refuses one without its up file: the new name is a miss
    (project / "010_orphan.down.sql").write_text("DROP TABLE jobs;\n")
    with pytest.raises(SourceError, match="010_orphan.down.sql"):
        run(project, "--format", "json")
    assert checked == [project, project]


ALEMBIC = Path(__file__).resolve().parents[3] / "examples" / "alembic_bot"


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_alembic_lint_hit_is_byte_identical_and_an_edit_is_a_miss(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    import shutil

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = tmp_path / "bot"
    shutil.copytree(ALEMBIC, root, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.chdir(root)
    (root / "pgwarden.toml").write_text("")
    ini = root / "alembic.ini"
    afresh = run(ini, "--format", fmt, "--no-cache")
    assert entries() == []  # --no-cache writes nothing
    first = run(ini, "--format", fmt)
    assert len(entries()) == 1 and first == afresh
    assert run(ini, "--format", fmt) == afresh  # the hit: the same exit code and bytes
    assert len(entries()) == 1
    revision = root / "migrations" / "versions" / "003_add_user_language.py"
    revision.write_text(
        revision.read_text().replace(
            "op.add_column(", "op.drop_column('users', 'username')\n    op.add_column(", 1
        )
    )
    edited = run(ini, "--format", fmt)
    assert len(entries()) == 2 and edited != afresh and "drop" in edited[1].lower()
    assert run(ini, "--format", fmt, "--no-cache") == edited
    assert run(ini, "--format", fmt, "--exclude", "missing-lock-timeout") != edited  # options are in the key
    assert len(entries()) == 3


def test_real_paths_resolved_per_folder_are_what_realpath_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "a.sql").write_text("SELECT 1;\n")
    (tmp_path / "linked").symlink_to(real)
    (real / "b.sql").symlink_to(real / "a.sql")  # a linked file resolves on its own
    monkeypatch.chdir(tmp_path)
    folders: dict[str, str] = {}
    for given in (
        "real/a.sql",
        "linked/a.sql",
        "linked/b.sql",
        "real/b.sql",
        "a.sql",
        "linked/../real/a.sql",
    ):
        assert cache._realpath(Path(given), folders) == os.path.realpath(given), given


def test_a_report_that_cannot_be_encoded_is_not_kept_and_leaves_nothing(project: Path) -> None:
    where = cache.directory()
    where.mkdir(parents=True, mode=0o700)
    # a lone surrogate, which UTF-8 refuses, after the first pieces were written
    cache._store_report(where, "x.out", ((0, 1), "fine " * 20000 + "\ud800"))
    assert not list(where.iterdir())  # no entry, no temporary file
    cache._store_report(where, "y.out", ((0, 1), "fine " * 20000))
    assert [p.name for p in where.iterdir()] == ["y.out"]
    assert cache._load_report(where / "y.out") == ((0, 1), "fine " * 20000)


def test_each_file_is_read_once_for_the_key_linting_and_the_folder_check(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: dict[str, int] = {}
    open_, os_open = Path.open, os.open

    def counted_open(self: Path, *args: object, **kwargs: object) -> object:  # read_bytes opens too
        if self.suffix == ".sql":
            reads[self.name] = reads.get(self.name, 0) + 1
        return open_(self, *args, **kwargs)  # type: ignore[call-overload]

    def counted_os_open(path: str | os.PathLike[str], flags: int, *args: int, **kwargs: object) -> int:
        if str(path).endswith(".sql"):
            name = os.path.basename(path)
            reads[name] = reads.get(name, 0) + 1
        return os_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", counted_open)
    monkeypatch.setattr(os, "open", counted_os_open)
    afresh = run(project, "--format", "json", "--no-cache")
    assert reads == dict.fromkeys(FILES, 1)  # linted, checked and read by the chain from one read
    reads.clear()
    assert run(project, "--format", "json") == afresh
    # the key's read is linted and checked: the findings are of the bytes hashed, not read again
    assert reads == dict.fromkeys(FILES, 1)


@pytest.mark.parametrize("budget", [0, 1 << 20])
def test_an_edit_while_linting_never_leaves_findings_of_other_bytes(
    project: Path, monkeypatch: pytest.MonkeyPatch, budget: int
) -> None:
    from pgwarden.cli import lint as lint_cli
    from pgwarden.lint import engine, inputs

    monkeypatch.setattr(inputs, "KEEP_BYTES", budget)
    monkeypatch.setattr(engine, "KEEP_BYTES", budget)
    edited = project / "007_users.sql"
    before = run(project, "--format", "json", "--no-cache")
    lint_paths = lint_cli.lint_paths

    def edit_then_lint(*args: object, **kwargs: object) -> list[Finding]:
        edited.write_text("CREATE INDEX users_note ON users (note);\n")  # after the key was made
        return lint_paths(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(lint_cli, "lint_paths", edit_then_lint)
    during = run(project, "--format", "json")
    monkeypatch.setattr(lint_cli, "lint_paths", lint_paths)
    now = run(project, "--format", "json", "--no-cache")
    assert now != before
    if budget:  # the bytes hashed were linted: kept, under the key of the content they were
        assert during == before and len(entries()) == 1
    else:  # read again to lint, so hashed again: changed, nothing kept
        assert during == now and entries() == []
    assert run(project, "--format", "json") == now  # the next run: never the other content's findings
    assert len(entries()) == (2 if budget else 1)


def test_the_folder_check_from_bytes_read_already_is_the_check_from_the_files(tmp_path: Path) -> None:
    from pgwarden.errors import SourceError
    from pgwarden.migrate.source import discover

    folder = tmp_path / "migrations"
    folder.mkdir()
    files = {
        "001_a.sql": b"\xef\xbb\xbf-- pgwarden: no-transaction\r\nCREATE INDEX CONCURRENTLY i ON t (a);\r\n",
        "002_b.sql": b"-- migrate:up\nCREATE TABLE b (id bigint);\n-- migrate:down\nDROP TABLE b;\n",
        "003_c.sql": b"SELECT 1;\rSELECT 2;\n",
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    contents = {folder / name: data for name, data in files.items()}
    assert discover(folder, contents) == discover(folder)
    (folder / "004_d.sql").write_bytes(b"SELECT '\xff';\n")
    contents[folder / "004_d.sql"] = b"SELECT '\xff';\n"
    with pytest.raises(SourceError) as from_file:
        discover(folder)
    with pytest.raises(SourceError) as from_bytes:
        discover(folder, contents)
    assert str(from_bytes.value) == str(from_file.value)


@pytest.mark.parametrize("budget", [0, 100])
def test_files_beyond_the_bytes_kept_are_read_again_with_the_same_report(
    project: Path, monkeypatch: pytest.MonkeyPatch, budget: int
) -> None:
    from pgwarden.lint import engine, inputs

    expected = {fmt: run(project, "--format", fmt, "--no-cache") for fmt in ("json", "text")}
    monkeypatch.setattr(inputs, "KEEP_BYTES", budget)
    monkeypatch.setattr(engine, "KEEP_BYTES", budget)
    for fmt, report in expected.items():
        assert run(project, "--format", fmt, "--no-cache") == report
        assert run(project, "--format", fmt) == report  # the key's read, then linting
