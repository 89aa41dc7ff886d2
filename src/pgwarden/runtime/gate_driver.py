"""The gate driver: runs the schema gate in the background and keeps its last verdict.

The gate runs in a short-lived child process (``run_gate_isolated``), so a slow contract check
never delays a lease renewal and the guardian never loads the catalog, diff and migration
machinery. A passed gate is not run again; a failed one is retried every ``max(5, ttl)`` seconds.
The first run's process may be started ahead (``gate_process``): ``pgwarden run`` starts it before
importing the guardian, and ``GateDriver.prepare`` when the guardian starts.
"""

from __future__ import annotations

import asyncio
import logging
import subprocess
import time
from collections.abc import Callable, Coroutine
from typing import Any

from ..config import Config
from . import gate_process, history
from .settings import RuntimeSettings

__all__ = ["GateDriver", "GateRunner", "run_gate_isolated"]

log = logging.getLogger("pgwarden.runtime")

GateRunner = Callable[[Config, RuntimeSettings, str], Coroutine[Any, Any, list[str]]]
"""Runs the gate once: the reasons the database is not ready (empty: it is)."""


async def run_gate_isolated(
    cfg: Config,
    settings: RuntimeSettings,
    url: str,
    *,
    apply: bool | None = None,
    proc: subprocess.Popen[bytes] | None = None,
) -> list[str]:
    """The schema gate with the contract check, in a child process (``proc``, started ahead by
    ``gate_process.spawn``, or a new one); its log lines go to our stderr."""
    import pickle  # only when a gate runs: a guardian with no schema source to check never loads it

    proc = proc or gate_process.spawn()
    work = pickle.dumps((cfg, settings, url, apply))
    try:
        out, _ = await asyncio.to_thread(proc.communicate, work)
    except asyncio.CancelledError:
        if proc.poll() is None:
            proc.kill()  # the thread's communicate() then returns
        raise
    if proc.returncode != 0 or not out:
        return [f"the schema gate could not run (its process exited with status {proc.returncode})"]
    result = pickle.loads(out)  # noqa: S301 - written by our own child process
    if isinstance(result, BaseException):
        raise result
    return list(result)


class GateDriver:
    """The schema gate's verdict for ``config`` at ``url``; ``drive()`` once per round of the owner's loop."""

    def __init__(
        self,
        config: Config,
        settings: RuntimeSettings,
        url: str,
        *,
        runner: GateRunner = run_gate_isolated,
        on_done: Callable[[], None] | None = None,
    ) -> None:
        self.config = config
        self.settings = settings
        self.url = url
        self.runner = runner
        self.on_done = on_done
        """Called when a run ends, so the owner drives again at once instead of at its next round:
        an instance becomes active as soon as its gate passes, not up to a check interval later."""
        self.reasons: list[str] | None = None
        """None until the gate ran once; then why the database is not ready (empty: it is)."""
        self._task: asyncio.Task[list[str]] | None = None
        self._next = 0.0
        self._ahead: subprocess.Popen[bytes] | None = None

    def prepare(self, ahead: subprocess.Popen[bytes] | None = None) -> None:
        """The first run's child process, for the default runner: ``ahead`` (started earlier by
        ``gate_process.spawn``), else one started now. It imports while the owner logs in and checks
        the database's identity, then waits for its work."""
        if (
            self._ahead is not None
            or self.runner is not run_gate_isolated
            or not self.config.has_schema_source
        ):
            if ahead is not None:
                gate_process.unused(ahead)
            return
        self._ahead = ahead or gate_process.spawn()

    def drive(self) -> None:
        """Take the verdict of a finished run; start the next run when one is due."""
        if self._task is not None and self._task.done():
            task, self._task = self._task, None
            if not task.cancelled():
                exc = task.exception()
                if exc is None:
                    self._verdict(task.result())
                else:
                    log.warning("the schema gate could not run: %s", exc)
                    self.reasons = [f"the schema gate could not run: {exc}"]
            retry = max(5.0, self.settings.ttl)
            self._next = time.monotonic() + (retry if self.reasons else float("inf"))
        if self._task is None and time.monotonic() >= self._next:
            if not self.config.has_schema_source:
                self.reasons = []
                self._next = float("inf")
                return
            ahead, self._ahead = self._ahead, None  # only ever set for the default runner (prepare)
            run = (
                self.runner(self.config, self.settings, self.url)
                if ahead is None
                else run_gate_isolated(self.config, self.settings, self.url, proc=ahead)
            )
            self._task = asyncio.create_task(run)
            if self.on_done is not None:
                on_done = self.on_done
                self._task.add_done_callback(lambda _task: on_done())

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
        ahead, self._ahead = self._ahead, None
        if ahead is not None:  # stopped before its first run
            gate_process.unused(ahead)

    def _verdict(self, reasons: list[str]) -> None:
        if reasons != self.reasons:
            if reasons:
                log.warning("not ready: %s", "; ".join(reasons))
            elif self.reasons:
                log.info("the schema gate passed")
            history.note(  # each change of verdict, including the first: the timeline shows when and why
                self.url,
                name=self.settings.name,
                kind="gate",
                outcome="bad" if reasons else "ok",
                summary=f"Schema gate failed: {_leads(reasons)}." if reasons else "Schema gate passed.",
                timeout=self.config.connect_timeout,
            )
        self.reasons = reasons


def _leads(reasons: list[str]) -> str:
    """Each reason's first clause: the timeline says what failed; the log and /health/ready say it whole."""
    return "; ".join(r.split(": ", 1)[0] for r in reasons)
