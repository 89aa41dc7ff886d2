"""`pgwarden doctor logs` and `pgwarden doctor env` on the command line: output, exit codes, one-sentence errors."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from pgwarden.cli import main

CONFLICT = (
    "2026-11-22 10:02:03,123 - aiogram.dispatcher - ERROR - Failed to fetch updates - TelegramConflictError: "
    "Telegram server says - Conflict: terminated by other getUpdates request; make sure that only one bot "
    "instance is running\n"
)
NOT_MODIFIED = (
    "2026-11-22 10:02:04,123 - aiogram.event - ERROR - aiogram.exceptions.TelegramBadRequest: Telegram server "
    "says - Bad Request: message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message\n"
)


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out, err)
    return code, out.getvalue(), err.getvalue()


def test_error_incident_exits_1_with_json_shape(tmp_path: Path) -> None:
    log = tmp_path / "bot.log"
    log.write_text(CONFLICT * 3 + NOT_MODIFIED, encoding="utf-8")
    code, out, err = cli("doctor", "logs", "--format", "json", str(log))
    assert (code, err) == (1, "")
    doc = json.loads(out)
    assert set(doc) >= {"incidents", "unclassified"}
    first = doc["incidents"][0]
    assert {"signature", "title", "count", "first_seen", "last_seen", "examples", "remedy"} <= set(first)
    assert (first["signature"], first["count"], first["command"]) == ("telegram-conflict", 3, "pgwarden run")
    assert first["first_seen"].startswith("2026-11-22T10:02:03")


def test_only_info_incidents_exit_0_and_text_names_the_fix(tmp_path: Path) -> None:
    log = tmp_path / "bot.log"
    log.write_text(NOT_MODIFIED * 2, encoding="utf-8")
    code, out, _ = cli("--no-color", "doctor", "logs", str(log))
    assert code == 0
    assert "telegram-message-not-modified" in out and "2 times" in out
    assert "Fix:" in out and "Run: pgwarden doctor logs" not in out  # the doctor does not send you to itself


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["doctor", "logs", "/nonexistent/bot.log"], "No log file /nonexistent/bot.log"),
        (["doctor", "logs", "--since", "soon", "-"], "--since 'soon' is not a time"),
        (["doctor", "logs"], "Nothing to read"),
        (["doctor", "logs", "-", "-"], "Standard input (-) can be read only once"),
    ],
)
def test_usage_errors_exit_2_with_one_sentence(args: list[str], message: str) -> None:
    code, out, err = cli(*args)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err
    assert err.count("\n") == 1


def test_absent_journalctl_and_docker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    for flag, tool in (("--journal", "journalctl"), ("--docker", "docker")):
        code, _, err = cli("doctor", "logs", flag, "bot")
        assert code == 2 and f"{tool} is not installed on this host" in err


def test_stdin_and_gzip_through_the_real_entry_point(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "pgwarden", "doctor", "logs", "--format", "json", "-"],
        input=(CONFLICT * 2).encode(),
        capture_output=True,
        timeout=60,
    )
    assert run.returncode == 1, run.stderr
    assert json.loads(run.stdout)["incidents"][0]["count"] == 2


def test_doctor_env_renders_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    (tmp_path / "old.pyc").write_bytes(b"\x00" * 16)
    code, out, err = cli(
        "doctor", "env", "--path", str(tmp_path), "--format", "json", "--unit", "no-such.service"
    )
    assert err == ""
    doc = json.loads(out)
    kinds = {f["kind"] for f in doc["findings"]}
    assert "sourceless_bytecode" in kinds
    assert all(f["source"] == "doctor" for f in doc["findings"])
    assert doc["notes"], "an unreadable unit is a note, not a crash"
    assert code in (0, 1)


def _tool(folder: Path, name: str, script: str) -> None:
    path = folder / name
    path.write_text("#!/bin/sh\n" + script, encoding="utf-8")
    path.chmod(0o755)


def test_journal_and_docker_are_read_through_their_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = tmp_path / "args"
    _tool(
        tmp_path,
        "journalctl",
        f'echo "$@" > {args}\n'
        "echo '2026-11-22T10:02:03+0000 vps systemd[1]: bot.service: Scheduled restart job, restart counter is at 7.'\n"
        "echo '2026-11-22T10:02:04+0000 vps python3[42]: Traceback (most recent call last):'\n"
        "echo '2026-11-22T10:02:04+0000 vps python3[42]:   File \"/app/bot.py\", line 3, in <module>'\n"
        "echo '2026-11-22T10:02:04+0000 vps python3[42]: RecursionError: maximum recursion depth exceeded'\n",
    )
    _tool(
        tmp_path,
        "docker",
        'for a in "$@"; do last=$a; done\necho "Error response from daemon: No such container: $last" >&2\nexit 1\n',
    )
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    code, out, err = cli(
        "doctor", "logs", "--format", "json", "--since", "2026-11-22", "--journal", "bot.service"
    )
    assert (code, err) == (1, "")
    doc = json.loads(out)
    assert {i["signature"]: i["count"] for i in doc["incidents"]} == {"restart-loop": 1, "recursion-error": 1}
    assert doc["sources"] == ["journal of bot.service"]
    assert args.read_text().split()[:2] == ["-u", "bot.service"] and "--since" in args.read_text()
    code, out, err = cli("doctor", "logs", "--docker", "bot", "--since", "2h")
    assert code == 2 and "No such container: bot" in err and "docker logs" in err
