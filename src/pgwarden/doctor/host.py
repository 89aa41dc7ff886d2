"""Probes of this host: duplicate bot processes, stale bytecode, old code still running, systemd, disk, memory."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import psutil

from .. import codes
from ..findings import Finding, Severity

__all__ = ["Proc", "probe_host", "duplicate_processes", "stale_bytecode", "old_code", "unit_findings"]

SKIP_DIRS = frozenset(
    {".git", ".hg", ".venv", "venv", "env", "node_modules", "site-packages", "dist-packages", ".tox", ".nox"}
    | {".mypy_cache", ".ruff_cache", ".pytest_cache", "build", "dist"}
)
MAX_FILES = 200_000
"""A folder walk stops after this many files: the probe must stay quick on a huge tree."""
_PYC = re.compile(r"(?P<name>.+)\.(?P<tag>[a-z]+-\d+)(?:\.opt-\d)?\.pyc$")
_SAMPLE = 10


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    cmdline: tuple[str, ...]
    started: float
    """Seconds since the epoch."""
    cwd: str | None
    exe: str | None


def finding(
    kind: str, obj: str, message: str, hint: str, evidence: dict[str, Any], sev: Severity | None = None
) -> Finding:
    """A ``doctor`` finding of a probe of the host or the server."""
    return codes.finding(kind, obj, message, hint, source="doctor", severity=sev, evidence=evidence)


def python_processes() -> list[Proc]:
    """Python processes of this host that we may look at (others are skipped silently)."""
    me = os.getpid()
    ours = {me, *(p.pid for p in psutil.Process(me).parents())}
    found = []
    for p in psutil.process_iter(["pid", "ppid", "cmdline", "create_time", "name"]):
        info = p.info
        cmdline = tuple(info.get("cmdline") or ())
        name = (info.get("name") or "").lower()
        if info["pid"] in ours or not cmdline:
            continue
        if not (name.startswith("python") or Path(cmdline[0]).name.lower().startswith("python")):
            continue
        try:
            cwd: str | None = p.cwd()
        except (psutil.Error, OSError):
            cwd = None
        try:
            exe: str | None = p.exe() or None
        except (psutil.Error, OSError):
            exe = None
        found.append(Proc(info["pid"], info["ppid"] or 0, cmdline, info.get("create_time") or 0.0, cwd, exe))
    return found


def duplicate_processes(procs: Sequence[Proc]) -> list[Finding]:
    """Two or more independent processes with the same command line in the same folder (forks excluded)."""
    groups: dict[tuple[str | None, tuple[str, ...]], list[Proc]] = {}
    for p in procs:
        groups.setdefault((p.cwd, p.cmdline), []).append(p)
    found = []
    for (cwd, cmdline), members in sorted(groups.items(), key=lambda kv: kv[1][0].pid):
        pids = {p.pid for p in members}
        roots = sorted((p for p in members if p.ppid not in pids), key=lambda p: p.started)
        if len(roots) < 2:
            continue
        command = " ".join(cmdline)
        found.append(
            finding(
                "duplicate_process",
                f"process:{command[:120]}",
                f"{len(roots)} processes run `{command[:200]}`"
                + (f" in {cwd}" if cwd else "")
                + f" (pids {', '.join(str(p.pid) for p in roots)}): a bot polling Telegram from two processes "
                "gets 409 Conflict and handles updates twice.",
                "Stop all but one (`kill PID`; keep the one your service manager started), start the bot only "
                "through systemd or docker, and run it under `pgwarden run` so a second copy waits.",
                {
                    "pids": [p.pid for p in roots],
                    "started": [_iso(p.started) for p in roots],
                    "cwd": cwd,
                    "cmdline": list(cmdline),
                },
            )
        )
    return found


def _walk(folder: Path) -> Iterator[tuple[str, list[str], list[str]]]:
    count = 0
    for root, dirs, files in os.walk(folder):
        dirs[:] = [
            d for d in dirs if d not in SKIP_DIRS and not os.path.exists(os.path.join(root, d, "pyvenv.cfg"))
        ]
        count += len(files)
        yield root, dirs, files
        if count > MAX_FILES:
            return


def _cache_tag(exe: str | None) -> str | None:
    if not exe:
        return None
    m = re.search(r"python(\d)\.(\d+)", Path(exe).name)
    return f"cpython-{m.group(1)}{m.group(2)}" if m else None


def stale_bytecode(folder: Path, *, expected_tags: Sequence[str] = ()) -> list[Finding]:
    """Legacy ``.pyc`` with no ``.py`` beside it (Python imports those), and ``__pycache__`` of other interpreters."""
    sourceless: list[str] = []
    foreign: dict[str, int] = {}
    orphans: list[str] = []
    tags = set(expected_tags) or {sys.implementation.cache_tag or ""}
    for root, _dirs, files in _walk(folder):
        names = set(files)
        in_cache = os.path.basename(root) == "__pycache__"
        parent = os.path.dirname(root)
        for f in files:
            if not f.endswith(".pyc"):
                continue
            rel = os.path.relpath(os.path.join(root, f), folder)
            if not in_cache:
                if f[:-1] not in names:  # x.pyc without x.py
                    sourceless.append(rel)
                continue
            m = _PYC.match(f)
            if not m:
                continue
            if m.group("tag") not in tags:
                foreign[m.group("tag")] = foreign.get(m.group("tag"), 0) + 1
            if not os.path.exists(os.path.join(parent, m.group("name") + ".py")):
                orphans.append(rel)
    found = []
    if sourceless:
        found.append(
            finding(
                "sourceless_bytecode",
                str(folder),
                f"{len(sourceless)} .pyc file(s) under {folder} have no .py beside them "
                f"({', '.join(sorted(sourceless)[:3])}): Python imports them, so deleted or renamed code keeps "
                "running (incident 000).",
                f"Delete them: `find {folder} -name '*.pyc' -not -path '*/__pycache__/*' -delete`, then restart "
                "the service.",
                {"count": len(sourceless), "files": sorted(sourceless)[:_SAMPLE]},
            )
        )
    if foreign or len(orphans) > 0:
        parts = []
        if foreign:
            parts.append(
                f"{sum(foreign.values())} compiled by another interpreter ({', '.join(sorted(foreign))}, "
                f"expected {', '.join(sorted(tags))})"
            )
        if orphans:
            parts.append(f"{len(orphans)} left over from deleted or renamed modules")
        found.append(
            finding(
                "stale_bytecode",
                str(folder),
                f"__pycache__ under {folder} holds stale files: {'; '.join(parts)}.",
                f"Clear the caches (`find {folder} -name __pycache__ -prune -exec rm -rf {{}} +`) and make sure the "
                "service runs with the interpreter you expect.",
                {
                    "other_interpreters": foreign,
                    "orphans": sorted(orphans)[:_SAMPLE],
                    "expected": sorted(tags),
                },
            )
        )
    return found


def _in_folder(proc: Proc, folder: Path) -> bool:
    root = str(folder.resolve())
    if proc.cwd and (proc.cwd == root or proc.cwd.startswith(root + os.sep)):
        return True
    return any(arg.startswith(root + os.sep) for arg in proc.cmdline[1:])


def newest_sources(folder: Path) -> list[tuple[float, str]]:
    """(mtime, relative path) of the Python sources under ``folder``, newest first."""
    found = []
    for root, _dirs, files in _walk(folder):
        for f in files:
            if f.endswith(".py"):
                path = os.path.join(root, f)
                try:
                    found.append((os.stat(path).st_mtime, os.path.relpath(path, folder)))
                except OSError:
                    continue
    found.sort(reverse=True)
    return found


def old_code(folder: Path, procs: Sequence[Proc], sources: Sequence[tuple[float, str]]) -> list[Finding]:
    """Processes started from ``folder`` before some of its sources last changed: they run old code."""
    found = []
    for proc in procs:
        if not _in_folder(proc, folder):
            continue
        changed = [rel for mtime, rel in sources if mtime > proc.started]
        if not changed:
            continue
        command = " ".join(proc.cmdline)
        found.append(
            finding(
                "code_newer_than_process",
                f"process:{proc.pid}",
                f"Process {proc.pid} (`{command[:120]}`) started at {_iso(proc.started)}, but {len(changed)} "
                f"source file(s) under {folder} changed after that ({', '.join(changed[:3])}): it runs the old "
                "code (incident 000).",
                "Restart the service so it loads the code on disk; with docker, rebuild the image and recreate "
                "the container.",
                {
                    "pid": proc.pid,
                    "started": _iso(proc.started),
                    "changed": changed[:_SAMPLE],
                    "count": len(changed),
                },
            )
        )
    return found


def parse_systemctl_show(text: str) -> dict[str, str]:
    props = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            props[key.strip()] = value.strip()
    return props


def unit_findings(unit: str, props: dict[str, str]) -> list[Finding]:
    """Restart count and failed state of a systemd unit from ``systemctl show`` properties."""
    found = []
    restarts = int(props.get("NRestarts", "0") or 0) if props.get("NRestarts", "0").isdigit() else 0
    if restarts > 0:
        found.append(
            finding(
                "service_restarting",
                f"unit:{unit}",
                f"systemd restarted {unit} {restarts} time(s) since it was last started by hand: it keeps crashing.",
                f"Read the errors before each restart: `pgwarden doctor logs --journal {unit} --since '1 hour ago'`.",
                {
                    "NRestarts": restarts,
                    "ActiveState": props.get("ActiveState"),
                    "SubState": props.get("SubState"),
                },
                Severity.ERROR if restarts >= 5 else Severity.WARNING,
            )
        )
    if props.get("ActiveState") == "failed":
        found.append(
            finding(
                "service_failed",
                f"unit:{unit}",
                f"{unit} is in the failed state ({props.get('Result', 'unknown result')}): it is not running.",
                f"Find the cause with `pgwarden doctor logs --journal {unit}`, fix it, then "
                f"`systemctl reset-failed {unit} && systemctl start {unit}`.",
                {"ActiveState": "failed", "Result": props.get("Result"), "SubState": props.get("SubState")},
            )
        )
    return found


def systemd_unit(unit: str) -> tuple[list[Finding], list[str]]:
    if shutil.which("systemctl") is None:
        return [], [f"systemctl is not available here: restarts of {unit} were not checked."]
    try:
        out = subprocess.run(
            ["systemctl", "show", unit, "--property=NRestarts,ActiveState,SubState,Result,LoadState"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return [], [f"systemctl show {unit} failed ({exc}): restarts were not checked."]
    props = parse_systemctl_show(out.stdout)
    if out.returncode != 0 or props.get("LoadState") in (None, "not-found"):
        reason = (out.stderr.strip().splitlines() or ["unit not found"])[-1]
        return [], [f"systemd unit {unit} could not be read ({reason}): restarts were not checked."]
    return unit_findings(unit, props), []


def disk_findings(usages: Sequence[tuple[str, int, int]]) -> list[Finding]:
    """``(mount or path, total bytes, free bytes)`` -> a finding per file system at 85 % or more."""
    found = []
    for where, total, free in usages:
        if total <= 0:
            continue
        used = 1 - free / total
        if used < 0.85:
            continue
        found.append(
            finding(
                "disk_nearly_full",
                f"disk:{where}",
                f"The file system of {where} is {used:.0%} full ({free / 2**30:.1f} GiB free): at 100 % "
                "PostgreSQL stops and logs are lost (incident 003).",
                "Free space (`docker system prune`, `journalctl --vacuum-size=200M`, old backups) and set up log "
                "rotation and an alert at 80 %.",
                {
                    "path": where,
                    "total_bytes": total,
                    "free_bytes": free,
                    "used_percent": round(used * 100, 1),
                },
                Severity.ERROR if used >= 0.95 else Severity.WARNING,
            )
        )
    return found


def memory_findings(total: int, available: int) -> list[Finding]:
    if total <= 0 or available / total >= 0.10:
        return []
    return [
        finding(
            "low_memory",
            "memory",
            f"Only {available / 2**20:.0f} MiB of {total / 2**30:.1f} GiB memory is available: the OOM killer will "
            "pick a process soon (the bot or a PostgreSQL backend).",
            "Find what grows (`ps aux --sort=-rss | head`), bound caches in the bot, lower PostgreSQL's "
            "shared_buffers/work_mem if the host is small, or add memory or swap.",
            {"total_bytes": total, "available_bytes": available},
        )
    ]


def _disk_usages(folders: Sequence[Path]) -> list[tuple[str, int, int]]:
    seen: set[int] = set()
    usages = []
    for path in [*folders, Path("/"), Path("/var/lib/docker"), Path("/var/lib/postgresql"), Path("/var/log")]:
        try:
            dev = os.stat(path).st_dev
            if dev in seen:
                continue
            usage = psutil.disk_usage(str(path))
        except OSError:
            continue
        seen.add(dev)
        usages.append((str(path), usage.total, usage.free))
    return usages


def probe_host(folders: Sequence[Path], *, units: Sequence[str] = ()) -> tuple[list[Finding], list[str]]:
    """Every host probe; returns findings and notes about what could not be checked."""
    notes: list[str] = []
    procs = python_processes()
    found = duplicate_processes(procs)
    for folder in folders:
        if not folder.is_dir():
            notes.append(f"{folder} is not a folder: its bytecode and sources were not checked.")
            continue
        inside = [p for p in procs if _in_folder(p, folder)]
        tags = sorted({t for t in (_cache_tag(p.exe) for p in inside) if t})
        found += stale_bytecode(folder, expected_tags=tags)
        if inside:
            found += old_code(folder, inside, newest_sources(folder))
    for unit in units:
        unit_found, unit_notes = systemd_unit(unit)
        found += unit_found
        notes += unit_notes
    found += disk_findings(_disk_usages(folders))
    memory = psutil.virtual_memory()
    found += memory_findings(memory.total, memory.available)
    return found, notes


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="seconds")
