"""`pgwarden lint` on the command line: formats, exit codes, config, flags."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import click
import pytest

from pgwarden.cli._state import State
from pgwarden.cli.lint import lint
from pgwarden.errors import ConfigError, UsageError

BAD = "CREATE TABLE IF NOT EXISTS jobs (id bigint PRIMARY KEY, chat_id bigint);\nCREATE INDEX jobs_chat_idx ON jobs (chat_id);\n"


def run(tmp_path: Path, *args: str, config: str = "") -> tuple[int, str]:
    cfg = tmp_path / "pgwarden.toml"
    cfg.write_text(config)
    out = StringIO()
    code = click.Group(commands=[lint]).main(
        ["lint", *args], standalone_mode=False, obj=State(out=out, config_path=str(cfg), color=False)
    )
    return int(code), out.getvalue()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "migrations"
    path.mkdir()
    # The chain shows jobs without chat_id (incident 004), so 006's conditional CREATE is skipped.
    (path / "001_jobs.sql").write_text("CREATE TABLE IF NOT EXISTS jobs (id bigint PRIMARY KEY);\n")
    (path / "006_jobs.sql").write_text(BAD)
    return path


def test_text_shows_excerpt_caret_and_hint(tmp_path: Path, folder: Path) -> None:
    code, out = run(tmp_path, str(folder), "--rule", "conditional-create-assumption")
    assert code == 1
    lines = out.splitlines()
    i = next(n for n, line in enumerate(lines) if "conditional-create-assumption" in line)
    assert "2:1 error" in lines[i]
    assert lines[i + 1].endswith("| CREATE INDEX jobs_chat_idx ON jobs (chat_id);")
    assert lines[i + 2].index("^") == lines[i + 1].index("|") + 2
    assert "hint:" in lines[i + 3]
    assert "1 error" in out


def test_json_github_and_sarif(tmp_path: Path, folder: Path) -> None:
    _, out = run(tmp_path, str(folder), "--format", "json")
    doc = json.loads(out)
    codes = {f["code"] for f in doc["findings"]}
    assert "conditional-create-assumption" in codes
    assert all(f["source"] == "lint" and f["kind"] == f["code"] for f in doc["findings"])
    _, out = run(tmp_path, str(folder), "--format", "github", "--rule", "conditional-create-assumption")
    assert out.startswith("::error file=") and ",line=2," in out
    _, out = run(tmp_path, str(folder), "--format", "sarif")
    _check_sarif(json.loads(out))


def _check_sarif(doc: dict[str, Any]) -> None:
    """The parts of SARIF 2.1.0 that code-scanning uploads require."""
    assert doc["version"] == "2.1.0"
    (run_,) = doc["runs"]
    driver = run_["tool"]["driver"]
    rule_ids = {r["id"] for r in driver["rules"]}
    assert driver["name"] == "pgwarden" and rule_ids
    for result in run_["results"]:
        assert result["ruleId"] in rule_ids
        assert result["level"] in ("none", "note", "warning", "error")
        assert result["message"]["text"]
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"].endswith(".sql")
        assert physical["region"]["startLine"] >= 1 and physical["region"]["startColumn"] >= 1


def test_exit_codes_and_strict(tmp_path: Path) -> None:
    path = tmp_path / "m.sql"
    path.write_text("ALTER TABLE jobs DROP COLUMN note;\n")
    assert run(tmp_path, str(path), "--rule", "drop-column")[0] == 0
    assert run(tmp_path, str(path), "--rule", "drop-column", "--strict")[0] == 1
    path.write_text("SELECT 1;\n")
    code, out = run(tmp_path, str(path))
    assert code == 0 and "No findings" in out


def test_config_severity_and_enabled(tmp_path: Path, folder: Path) -> None:
    config = (
        '[lint.rules.conditional-create-assumption]\nseverity = "warning"\n'
        "[lint.rules.index-without-concurrently]\nenabled = false\n"
    )
    code, out = run(tmp_path, str(folder), "--format", "json", config=config)
    found = {f["code"]: f["severity"] for f in json.loads(out)["findings"]}
    assert found["conditional-create-assumption"] == "warning"
    assert "index-without-concurrently" not in found


def test_exclude_and_unknown_rules(tmp_path: Path, folder: Path) -> None:
    _, out = run(tmp_path, str(folder), "--format", "json", "--exclude", "conditional-create-assumption")
    assert "conditional-create-assumption" not in out
    with pytest.raises(UsageError, match="`nope` is not a lint rule"):
        run(tmp_path, str(folder), "--rule", "nope")


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("[lint]\nspeed = 1\n", "unknown key `lint.speed`"),
        ("[lint]\nassume_in_transaction = 'yes'\n", "`lint.assume_in_transaction` must be true or false"),
        ("[lint.rules.nope]\nenabled = false\n", "`lint.rules.nope` names no lint rule"),
        ('[lint.rules.data-wipe]\nseverity = "fatal"\n', "`lint.rules.data-wipe.severity` must be one of"),
        ("[lint.rules.data-wipe]\nenabled = 1\n", "`lint.rules.data-wipe.enabled` must be true or false"),
        ("[lint.rules.data-wipe]\nlevel = 1\n", "unknown key `lint.rules.data-wipe.level`"),
    ],
)
def test_config_errors_name_the_file_and_key(tmp_path: Path, folder: Path, config: str, message: str) -> None:
    with pytest.raises(ConfigError, match="pgwarden.toml") as info:
        run(tmp_path, str(folder), config=config)
    assert message in str(info.value)


def test_default_path_is_the_configured_migrations_folder(tmp_path: Path, folder: Path) -> None:
    code, out = run(tmp_path, "--format", "json", config='migrations = "migrations"\n')
    assert "006_jobs.sql" in out and code == 1
    with pytest.raises(UsageError, match="Nothing to lint"):
        run(tmp_path)


def test_list_rules(tmp_path: Path) -> None:
    code, out = run(tmp_path, "--list-rules")
    assert code == 0 and "conditional-create-assumption" in out and "data-wipe" in out


@pytest.mark.parametrize(
    ("names", "needle"),
    [(("001_a.sql", "init.sql"), "has no version"), (("001_a.sql", "001_b.sql"), "share version 1")],
)
def test_lint_refuses_a_migrations_folder_that_migrate_would_refuse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, names: tuple[str, ...], needle: str
) -> None:
    import io

    from pgwarden.cli import main

    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "migrations"
    folder.mkdir()
    for name in names:
        (folder / name).write_text("CREATE TABLE t (id bigint);\n")
    err = io.StringIO()
    assert main(["lint", "migrations"], io.StringIO(), err) == 2
    assert needle in err.getvalue()


def test_postgres_version_setting(tmp_path: Path) -> None:
    from pgwarden.config import load
    from pgwarden.lint.settings import settings_from

    cfg_path = tmp_path / "v.toml"
    cfg_path.write_text("[lint]\npostgres_version = 11\n")
    assert settings_from(load(cfg_path)).postgres_version == 11
    cfg_path.write_text("")
    assert settings_from(load(cfg_path)).postgres_version == 18
    for bad in ("9", "19", "'16'", "true"):
        cfg_path.write_text(f"[lint]\npostgres_version = {bad}\n")
        with pytest.raises(ConfigError, match="`lint.postgres_version` must be a PostgreSQL major version"):
            settings_from(load(cfg_path))
