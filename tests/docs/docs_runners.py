"""How each kind of documentation block is run: Python executed, shell commands with their exit codes, TOML validated."""

from __future__ import annotations

import ast
import asyncio
import contextlib
import inspect
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from docs_blocks import Block
from docs_harness import HARNESSES, shell_env

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

# --- Python -------------------------------------------------------------------------------


async def _run_python(block: Block, stage_names: dict[str, Any], done: Any) -> None:
    # Top-level `async with` / `await` as the README writes them, compiled as asyncio's REPL does.
    code = compile(block.source, f"{block.file}:{block.line}", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    namespace: dict[str, Any] = {"__name__": "__docs__", **stage_names}

    async def body() -> None:
        result = eval(code, namespace)  # noqa: S307 - the documentation's own code, run as a user would
        if inspect.iscoroutine(result):
            await result
        main = namespace.get("main")
        if "main" not in stage_names and inspect.iscoroutinefunction(main):
            # A block that only defines `async def main()` leaves calling it to the reader's entry point.
            await main()

    task = asyncio.create_task(body())
    waiter = asyncio.create_task(done()) if done is not None else None
    try:
        if waiter is None:
            await task
            return
        finished, _ = await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if task in finished:
            task.result()  # raises what the block raised
            raise AssertionError(f"{block.id} returned before it did its work")
        waiter.result()
    finally:
        # Also when this coroutine is cancelled: the block must stop as a process would, not linger.
        for pending in (waiter, task):
            if pending is not None and not pending.done():
                pending.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await pending


def run_python(block: Block, db_url: str, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    harness = HARNESSES[block.harness]

    async def scenario() -> None:
        async with harness(db_url, folder, monkeypatch) as stage:
            await asyncio.wait_for(_run_python(block, stage.names, stage.done), timeout=60)
            stage.check()

    asyncio.run(scenario())


# --- shell ----------------------------------------------------------------------------------


def commands(block: Block) -> list[tuple[str, list[str]]]:
    """``(command, shown output lines)`` pairs: every line of a ``sh`` block; ``$ ``-lines of a console block."""
    lines = block.source.replace("\\\n", " ").splitlines()
    if not any(line.startswith("$ ") for line in lines):
        return [(line, []) for line in lines if line.strip() and not line.lstrip().startswith("#")]
    found: list[tuple[str, list[str]]] = []
    for line in lines:
        if line.startswith("$ "):
            found.append((line[2:], []))
        elif found and line.strip():
            found[-1][1].append(line)
    return found


def expected_exits(block: Block, count: int) -> list[int]:
    raw = block.options.get("exit", "0")
    codes = [int(c) for c in raw.split(",")]
    if len(codes) == 1:
        return codes * count
    if len(codes) != count:
        raise AssertionError(f"{block.id}: exit={raw} names {len(codes)} exit codes for {count} commands")
    return codes


def run_shell(block: Block, db_url: str, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    harness = HARNESSES[block.harness]

    async def prepare() -> None:
        async with harness(db_url, folder, monkeypatch) as stage:
            for (command, shown), code in zip(cmds, expected_exits(block, len(cmds)), strict=True):
                _run_command(block, command, shown, code, folder)
            stage.check()

    cmds = commands(block)
    assert cmds, f"{block.id}: a shell block without a command"
    asyncio.run(prepare())


def _run_command(block: Block, command: str, shown: list[str], code: int, folder: Path) -> None:
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command],
        cwd=folder,
        env=shell_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == code, (
        f"{block.id}: `{command}` exited {done.returncode}, the docs say {code}:\n{output[-3000:]}"
    )
    for line in shown:
        assert " ".join(line.split()) in " ".join(output.split()), (
            f"{block.id}: `{command}` did not print {line!r}"
        )


# --- data -----------------------------------------------------------------------------------


def run_toml(block: Block, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Parse the block and pass it through every capability's config validation."""
    from docs_validate import validate_config

    # Configured alerts want their token from the environment, where the docs say it comes from.
    monkeypatch.setenv("PGWARDEN_ALERT_TELEGRAM_TOKEN", "123:docs")

    data = tomllib.loads(block.source)
    name = "pyproject.toml" if "tool" in data else "pgwarden.toml"
    path = folder / name
    path.write_text(block.source, encoding="utf-8")
    validate_config(path)


def run_json(block: Block) -> None:
    json.loads(block.source)


def run_sql(block: Block) -> None:
    import pglast

    pglast.parse_sql(block.source)


RUNNABLE = {"python", "sh", "bash", "shell", "console", "toml", "json", "sql"}
