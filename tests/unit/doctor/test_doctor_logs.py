"""`analyze`: files, gzip, JSON lines, block boundaries, parallel scans, --since, and bad input."""

from __future__ import annotations

import gzip
import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pgwarden.doctor import reader, scan
from pgwarden.doctor import signature_catalog as catalog
from pgwarden.doctor.errors import LogSourceError
from pgwarden.doctor.logs import analyze
from pgwarden.doctor.reader import LogSource
from pgwarden.doctor.report import GARBAGE_TEMPLATE, to_dict
from pgwarden.doctor.scan import Scanner

CONFLICT = (
    "{ts} - aiogram.dispatcher - ERROR - Failed to fetch updates - TelegramConflictError: Telegram server says - "
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)
TRACEBACK = (
    "{ts} - app.monitor - ERROR - lookup failed\n"
    "Traceback (most recent call last):\n"
    '  File "/app/x.py", line 88, in f\n'
    "    result = await session.execute(stmt)\n"
    "asyncpg.exceptions.UndefinedColumnError: column conversations.started_at does not exist"
)
INFO = "{ts} - aiogram.event - INFO - Update id={n} is handled. Duration 12 ms by bot id=7012345678"
UNKNOWN = "{ts} - app.payments - WARNING - payment {n} is pending for 30 seconds"


def bot_log(lines: int = 400) -> str:
    out = []
    for i in range(lines):
        ts = f"2026-11-22 10:{i // 60 % 60:02d}:{i % 60:02d},000"
        kind = i % 20
        template = CONFLICT if kind == 3 else TRACEBACK if kind == 7 else UNKNOWN if kind == 11 else INFO
        out.append(template.format(ts=ts, n=i))
    return "\n".join(out) + "\n"


def counts(report_dict: dict[str, object]) -> dict[str, int]:
    return {i["signature"]: i["count"] for i in report_dict["incidents"]}  # type: ignore[attr-defined,index]


def run(path: Path, **kw: object) -> dict[str, object]:
    return to_dict(analyze([LogSource("file", str(path))], **kw))  # type: ignore[arg-type]


def test_plain_file(tmp_path: Path) -> None:
    log = tmp_path / "bot.log"
    log.write_text(bot_log(), encoding="utf-8")
    doc = run(log, jobs=1)
    assert counts(doc) == {"telegram-conflict": 20, "undefined-column": 20}
    conflict = next(i for i in doc["incidents"] if i["signature"] == "telegram-conflict")  # type: ignore[attr-defined]
    assert conflict["first_seen"] == "2026-11-22T10:00:03+00:00" or conflict["first_seen"].startswith(
        "2026-11-22T10:00:03"
    )
    assert conflict["remedy"] and conflict["command"] == "pgwarden run" and conflict["examples"]
    column = next(i for i in doc["incidents"] if i["signature"] == "undefined-column")  # type: ignore[attr-defined]
    assert "Traceback (most recent call last):" in column["examples"][0]
    assert [(g["template"], g["count"]) for g in doc["unclassified"]] == [  # type: ignore[attr-defined]
        ("<*> <*> - app.payments - WARNING - payment <*> is pending for <*> seconds", 20)
    ]


def test_gzip_and_plain_agree(tmp_path: Path) -> None:
    plain, packed = tmp_path / "bot.log", tmp_path / "bot.log.1.gz"
    plain.write_text(bot_log(), encoding="utf-8")
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert counts(run(plain, jobs=1)) == counts(run(packed, jobs=1))


def test_truncated_gzip_is_one_clear_error(tmp_path: Path) -> None:
    packed = tmp_path / "bot.log.gz"
    packed.write_bytes(gzip.compress(bot_log(4000).encode())[:-200])
    with pytest.raises(LogSourceError, match="truncated or damaged gzip"):
        run(packed, jobs=1)


def test_small_blocks_give_the_same_answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "bot.log"
    log.write_text(bot_log(), encoding="utf-8")
    expected = run(log, jobs=1)
    monkeypatch.setattr(reader, "BLOCK", 97)  # cuts through tracebacks and lines everywhere
    assert counts(run(log, jobs=1)) == counts(expected)
    assert run(log, jobs=1)["unclassified"] == expected["unclassified"]


def test_parallel_scan_matches_sequential(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "bot.log"
    log.write_text(bot_log(3000), encoding="utf-8")
    sequential = run(log, jobs=1)
    monkeypatch.setattr(scan, "PARALLEL_MIN_BYTES", 1)
    monkeypatch.setattr("pgwarden.doctor.logs.PARALLEL_MIN_BYTES", 1)
    parallel = run(log, jobs=2)
    assert counts(parallel) == counts(sequential)
    assert parallel["summary"] == sequential["summary"]


def test_engines_agree(tmp_path: Path) -> None:
    pytest.importorskip("hyperscan")
    log = tmp_path / "bot.log"
    log.write_text(bot_log(), encoding="utf-8")
    assert run(log, jobs=1, engine="re") == run(log, jobs=1, engine="hyperscan")


def test_json_lines(tmp_path: Path) -> None:
    lines = [
        {
            "log": "Task was destroyed but it is pending!\n",
            "stream": "stderr",
            "time": "2026-11-22T10:00:00.5Z",
        },
        {
            "MESSAGE": "bot.service: Scheduled restart job, restart counter is at 3.",
            "__REALTIME_TIMESTAMP": "1795428000000000",
        },
        {
            "event": "query failed",
            "level": "error",
            "timestamp": "2026-11-22T10:05:00Z",
            "exception": 'Traceback (most recent call last):\n  File "x.py", line 1\nasyncpg.exceptions.DeadlockDetectedError: deadlock detected',
        },
        {
            "message": 'relation "users" does not exist',
            "levelname": "ERROR",
            "asctime": "2026-11-22 10:06:00,000",
        },
        {"message": "all good", "levelname": "INFO"},
        {"message": "payment 12 is pending", "level": "warning"},
    ]
    log = tmp_path / "bot.jsonl"
    log.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    doc = run(log, jobs=1)
    assert counts(doc) == {
        "task-destroyed-pending": 1,
        "restart-loop": 1,
        "pg-deadlock": 1,
        "undefined-table": 1,
    }
    deadlock = next(i for i in doc["incidents"] if i["signature"] == "pg-deadlock")  # type: ignore[attr-defined]
    assert deadlock["first_seen"] == "2026-11-22T10:05:00+00:00"
    assert [g["template"] for g in doc["unclassified"]] == ["payment <*> is pending"]  # type: ignore[attr-defined]


def test_since_drops_older_events(tmp_path: Path) -> None:
    log = tmp_path / "bot.log"
    log.write_text(bot_log(), encoding="utf-8")
    since = datetime(2026, 11, 22, 10, 4, 0, tzinfo=timezone.utc)
    doc = run(log, jobs=1, since=since)
    assert counts(doc) == {"telegram-conflict": 8, "undefined-column": 8}
    assert doc["summary"]["skipped_before_since"] > 0  # type: ignore[index]


def test_binary_garbage_is_unclassified_and_latin1_is_read_as_text(tmp_path: Path) -> None:
    log = tmp_path / "bot.log"
    body = bot_log(40).encode() + b"\x00\x01\x02binary\xff\xfe\n" + b"caf\xe9 ERROR broken latin-1\n"
    log.write_bytes(body)
    doc = run(log, jobs=1)
    assert counts(doc) == {"telegram-conflict": 2, "undefined-column": 2}
    groups = [
        {"template": g["template"], "count": g["count"]}
        for g in doc["unclassified"]  # type: ignore[attr-defined]
    ]
    assert {"template": GARBAGE_TEMPLATE, "count": 1} in groups
    assert any(g["template"].startswith("café ERROR") for g in groups)
    assert any("not UTF-8" in note for note in doc["notes"])  # type: ignore[attr-defined]


def test_a_latin1_login_failure_is_still_an_incident(tmp_path: Path) -> None:
    log = tmp_path / "pg.log"
    log.write_bytes(
        b'2026-11-22 10:00:01.123 UTC [123] FATAL:  password authentication failed for user "b\xf3t"\n'
        b'2026-11-22 10:00:02.000 UTC [124] \xce\xf8\xe8\xe1\xea\xe0 FATAL:  password authentication failed for user "x"\n'
    )
    doc = run(log, jobs=1)
    assert counts(doc) == {"pg-password-failed": 2}
    text = json.dumps(doc, ensure_ascii=False)
    assert "bót" in text


def test_ten_megabyte_line(tmp_path: Path) -> None:
    log = tmp_path / "bot.log"
    log.write_bytes(
        b"x" * (10 << 20) + b" ERROR: no space left on device\n" + CONFLICT.format(ts="x").encode() + b"\n"
    )
    assert counts(run(log, jobs=1)) == {"no-space-left": 1, "telegram-conflict": 1}


def test_empty_file_has_a_note(tmp_path: Path) -> None:
    log = tmp_path / "empty.log"
    log.write_bytes(b"")
    doc = run(log, jobs=1)
    assert doc["incidents"] == [] and doc["unclassified"] == []
    assert doc["notes"] == [f"{log} is empty."]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing.log", "No log file"),
        (lambda p: p, "is a folder"),
    ],
)
def test_unreadable_inputs(tmp_path: Path, make: object, message: str) -> None:
    with pytest.raises(LogSourceError, match=message):
        run(make(tmp_path), jobs=1)  # type: ignore[operator]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_permission_denied(tmp_path: Path) -> None:
    log = tmp_path / "secret.log"
    log.write_text("x\n")
    log.chmod(0)
    with pytest.raises(LogSourceError, match="permission denied"):
        run(log, jobs=1)


@pytest.mark.parametrize(("kind", "tool"), [("journal", "journalctl"), ("docker", "docker")])
def test_missing_tools_are_named(kind: str, tool: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(LogSourceError, match=f"{tool} is not installed on this host"):
        analyze([LogSource(kind, "bot")], jobs=1)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(
            st.binary(max_size=300),
            st.sampled_from([e.encode() for s in catalog.load() for e in s.examples[:1]]),
        ),
        max_size=30,
    )
)
def test_any_bytes_are_scanned_without_crashing(parts: list[bytes]) -> None:
    data = b"\n".join(parts)
    scanner = Scanner()
    scanner.feed([data[i : i + 64] for i in range(0, len(data), 64)])
    result = scanner.finish()
    assert result.bytes_read == len(data)
    assert (
        sum(t.count for t in result.tallies.values()) + sum(c.count for c in result.drain.groups())
        == result.events
    )


def test_examples_never_show_passwords_or_bot_tokens(tmp_path: Path) -> None:
    log = tmp_path / "bot.log"
    log.write_text(
        "2026-11-22 10:00:00,000 ERROR could not connect to server postgresql://bot:s3cret@db:5432/bot\n"
        "2026-11-22 10:00:01,000 ERROR telegram.error.NetworkError: httpx.ConnectError: POST "
        "https://api.telegram.org/bot7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getUpdates\n"
        "2026-11-22 10:00:02,000 ERROR login failed for dsn host=db password=hunter2 user=bot\n",
        encoding="utf-8",
    )
    text = json.dumps(run(log, jobs=1))
    assert "s3cret" not in text and "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw" not in text and "hunter2" not in text
    assert "postgresql://bot:***@db" in text and "bot7012345678:***" in text
