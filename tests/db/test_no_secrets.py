"""A planted password and bot token never appear in any command's output, in any format.

The password is in the database URL every command is given (and in another process's command
line that ``doctor env`` reports); the token is in the environment and in a log line that
``doctor logs`` quotes. Every output — stdout, stderr, the HTML report, backup manifests —
is searched for both.
"""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from project_support import url_as, write_bookings_project

from pgwarden.cli import main

PASSWORD = "Planted-Pw-7731"
TOKEN = "987654321:AAPlantedSecretPlantedSecretPlanted77"
SECRET_HALF = TOKEN.split(":")[1]
FORMATS = ("text", "json", "github", "sarif")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str) -> Iterator[tuple[Path, str]]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    url = url_as(db_url, PASSWORD)
    write_bookings_project(tmp_path)
    (tmp_path / "bot.log").write_text(
        f"2026-11-22 10:00:01 ERROR telegram: Conflict calling https://api.telegram.org/bot{TOKEN}/getUpdates\n"
        f"2026-11-22 10:00:02 ERROR db: cannot connect to {url}\n"
        f"2026-11-22 10:00:03 ERROR http: request with Authorization: Bearer {PASSWORD} failed\n"
        f"2026-11-22 10:00:04 ERROR env: PGPASSWORD={PASSWORD} psql failed\n"
        '2026-11-22 10:00:05 FATAL:  password authentication failed for user "bot"\n'
    )
    code = main(["migrate", "up", "--db", url], io.StringIO(), io.StringIO())
    assert code == 0
    # two identical processes whose command line carries the URL: doctor env reports duplicates.
    # They sleep an hour (killed below): under load the commands take minutes, and sleepers that
    # had already exited left doctor env nothing to report.
    sleeper = [sys.executable, "-c", "import time; time.sleep(3600)", url]
    procs = [subprocess.Popen(sleeper, cwd=tmp_path) for _ in range(2)]
    try:
        yield tmp_path, url
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


def commands(url: str) -> list[list[str]]:
    runs: list[list[str]] = []
    for fmt in FORMATS:
        runs += [
            ["check", "--db", url, "--format", fmt],
            ["diff", "--from", url, "--to", "migrations:migrations", "--format", fmt],
            ["lint", "--against", url, "migrations", "--format", fmt],
            ["migrate", "status", "--db", url, "--format", fmt],
            ["status", "--db", url, "--format", fmt],
            ["doctor", "env", "--db", url, "--format", fmt],
            ["repair", "no-odd-status", "--db", url, "--format", fmt],
            ["backup", "list", "--dir", "backups", "--db", url, "--format", fmt],
        ]
    runs += [
        ["doctor", "logs", "bot.log", "--html", "report.html"],
        ["doctor", "logs", "bot.log", "--format", "json"],
        ["snapshot", "--db", url, "-o", "schema.json"],
        ["migrate", "up", "--db", url, "--format", "json"],
        ["backup", "create", "--db", url, "--dir", "backups", "--verify"],
        ["check", "--db", url.replace("@", ":9@", 1)],  # an error message carrying the URL
        ["--verbose", "check", "--db", url],
    ]
    return runs


def test_no_output_carries_the_password_or_the_token(project: tuple[Path, str]) -> None:
    folder, url = project
    (folder / "backups").mkdir()
    leaks: list[str] = []
    seen = 0
    for argv in commands(url):
        out, err = io.StringIO(), io.StringIO()
        code = main(argv, out, err)
        assert code != 70, f"{argv[:2]}: {err.getvalue()}"
        text = out.getvalue() + err.getvalue()
        seen += len(text)
        for secret in (PASSWORD, SECRET_HALF):
            if secret in text:
                leaks.append(f"{' '.join(argv[:3])} ... printed {secret!r}")
    for path in folder.rglob("*"):
        if (
            path.is_file()
            and path.suffix in (".html", ".json", ".toml", ".txt", ".log")
            and path.name != "bot.log"
        ):
            text = path.read_text(encoding="utf-8", errors="replace")
            for secret in (PASSWORD, SECRET_HALF):
                if secret in text:
                    leaks.append(f"{path.relative_to(folder)} holds {secret!r}")
    assert seen > 10_000  # the commands really printed something
    env = io.StringIO()
    main(["doctor", "env", "--format", "json"], env, io.StringIO())
    assert "duplicate_process" in env.getvalue()  # the command line with the URL was reported...
    assert "postgresql://" in env.getvalue()  # ...with its password hidden
    assert leaks == []
