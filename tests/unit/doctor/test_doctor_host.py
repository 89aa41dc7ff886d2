"""Host probes: duplicate processes, stale bytecode, old code, systemd properties, disk and memory."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from pgwarden.doctor.host import (
    Proc,
    disk_findings,
    duplicate_processes,
    memory_findings,
    old_code,
    parse_systemctl_show,
    probe_host,
    python_processes,
    stale_bytecode,
    unit_findings,
)
from pgwarden.findings import Severity


def proc(pid: int, ppid: int = 1, cmd: tuple[str, ...] = ("python", "bot.py"), started: float = 1e9) -> Proc:
    return Proc(pid, ppid, cmd, started, "/opt/bot", "/usr/bin/python3.11")


def test_duplicates_are_independent_processes_only() -> None:
    forks = [proc(10), proc(11, ppid=10), proc(12, ppid=10)]  # a parent and its workers
    assert duplicate_processes(forks) == []
    found = duplicate_processes([*forks, proc(20), proc(30, cmd=("python", "other.py"))])
    assert [(f.code, f.kind, f.evidence["pids"]) for f in found] == [("PW501", "duplicate_process", [10, 20])]
    assert "409 Conflict" in found[0].message and "pgwarden run" in found[0].hint


def test_two_real_processes_with_the_same_command_line_are_found() -> None:
    marker = f"pgwarden-doctor-test-{uuid.uuid4().hex}"
    cmd = [sys.executable, "-c", "import time, sys; time.sleep(60)", marker]
    children = [subprocess.Popen(cmd) for _ in range(2)]
    try:
        deadline = time.monotonic() + 10
        while True:
            found = [f for f in duplicate_processes(python_processes()) if marker in f.evidence["cmdline"]]
            if found or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert len(found) == 1
        assert sorted(found[0].evidence["pids"]) == sorted(c.pid for c in children)
    finally:
        for c in children:
            c.kill()
            c.wait()


def test_stale_bytecode(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "models.py").write_text("x = 1\n")
    (tmp_path / "app" / "models_old.pyc").write_bytes(b"\0" * 16)  # legacy, no source: importable
    (tmp_path / "app" / "models.pyc").write_bytes(b"\0" * 16)  # legacy but has its source
    cache = tmp_path / "app" / "__pycache__"
    cache.mkdir()
    (cache / "models.cpython-311.pyc").write_bytes(b"\0")
    (cache / "models.cpython-310.pyc").write_bytes(b"\0")
    (cache / "gone.cpython-311.pyc").write_bytes(b"\0")
    venv = tmp_path / ".venv" / "lib"
    venv.mkdir(parents=True)
    (venv / "ignored.pyc").write_bytes(b"\0")
    found = {f.kind: f for f in stale_bytecode(tmp_path, expected_tags=["cpython-311"])}
    assert set(found) == {"sourceless_bytecode", "stale_bytecode"}
    assert found["sourceless_bytecode"].evidence["files"] == [os.path.join("app", "models_old.pyc")]
    assert found["stale_bytecode"].evidence["other_interpreters"] == {"cpython-310": 1}
    assert found["stale_bytecode"].evidence["orphans"] == [
        os.path.join("app", "__pycache__", "gone.cpython-311.pyc")
    ]
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "a.py").write_text("")
    assert stale_bytecode(clean, expected_tags=["cpython-311"]) == []


def test_code_newer_than_the_process(tmp_path: Path) -> None:
    running = Proc(42, 1, ("python", str(tmp_path / "bot.py")), 1000.0, "/elsewhere", None)
    sources = [(2000.0, "app/models.py"), (500.0, "bot.py")]
    (found,) = old_code(tmp_path, [running], sources)
    assert (found.code, found.evidence["changed"]) == ("PW504", ["app/models.py"])
    assert old_code(tmp_path, [running], [(500.0, "bot.py")]) == []
    outside = Proc(43, 1, ("python", "/srv/other.py"), 1000.0, "/srv", None)
    assert old_code(tmp_path, [outside], sources) == []


def test_systemd_properties() -> None:
    props = parse_systemctl_show("NRestarts=7\nActiveState=failed\nSubState=failed\nResult=start-limit-hit\n")
    found = unit_findings("bot.service", props)
    assert [(f.kind, f.severity) for f in found] == [
        ("service_restarting", Severity.ERROR),
        ("service_failed", Severity.ERROR),
    ]
    assert (
        unit_findings("bot.service", {"NRestarts": "2", "ActiveState": "active"})[0].severity
        is Severity.WARNING
    )
    assert unit_findings("bot.service", {"NRestarts": "0", "ActiveState": "active"}) == []


def test_disk_and_memory_thresholds() -> None:
    gib = 2**30
    found = disk_findings(
        [("/", 100 * gib, 3 * gib), ("/var/log", 100 * gib, 10 * gib), ("/data", 100 * gib, 50 * gib)]
    )
    assert [(f.object, f.severity) for f in found] == [
        ("disk:/", Severity.ERROR),
        ("disk:/var/log", Severity.WARNING),
    ]
    assert memory_findings(8 * gib, gib // 2)[0].kind == "low_memory"
    assert memory_findings(8 * gib, 4 * gib) == []


def test_probe_host_runs_here(tmp_path: Path) -> None:
    findings, notes = probe_host([tmp_path, tmp_path / "missing"], units=[])
    assert all(f.source == "doctor" for f in findings)
    assert notes == [f"{tmp_path / 'missing'} is not a folder: its bytecode and sources were not checked."]
