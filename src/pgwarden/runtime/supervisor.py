"""Supervisor mode: run a command only while this instance is the active one, and never let it outlive us.

The child gets its own process group (so demotion stops the whole tree) and, on Linux,
``PR_SET_PDEATHSIG``: the kernel kills it when the supervisor dies, even by SIGKILL. The
child learns its fencing epoch from ``PGWARDEN_EPOCH`` (for fenced writes, see docs/runtime.md).

In webhook mode (``webhook``) the child runs on every instance that is ready, active or not: every
replica behind the webhook URL serves it, the ledger keeps each update to one handler, and only
the active instance calls ``setWebhook``. A demotion leaves the child running; a data-loss alarm,
a failed schema gate or a fatal error stops it, and it starts again once the instance is ready.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import shutil
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Sequence

from .errors import CommandNotFound
from .warden import Warden
from .webhook_mode import ENV, WebhookMode

__all__ = ["Supervisor", "exit_status", "resolve_command"]

log = logging.getLogger("pgwarden.runtime")

_PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def resolve_command(argv: Sequence[str]) -> list[str]:
    """``argv`` with its program resolved on PATH; ``CommandNotFound`` (exit 127) naming it otherwise."""
    if not argv:
        raise CommandNotFound("No command to run: write it after `--`, e.g. `pgwarden run -- python bot.py`.")
    program = argv[0]
    if os.sep in program:
        if not os.path.isfile(program):
            raise CommandNotFound(f"Cannot run {program}: no such file. Check the path after `--`.")
        if not os.access(program, os.X_OK):
            raise CommandNotFound(
                f"Cannot run {program}: it is not executable (chmod +x it, or prefix an interpreter)."
            )
        return list(argv)
    found = shutil.which(program)
    if found is None:
        raise CommandNotFound(
            f"Cannot run {program!r}: not found on PATH. Give the full path, or activate the environment "
            "that provides it (e.g. `pgwarden run -- .venv/bin/python bot.py`)."
        )
    return [found, *argv[1:]]


def exit_status(returncode: int) -> int:
    """A child's status as a shell reports it: a signal N becomes 128 + N."""
    return 128 - returncode if returncode < 0 else returncode


def _child_setup(parent: int) -> Callable[[], None]:
    def setup() -> None:
        os.setpgid(0, 0)
        if _LIBC is not None:
            _LIBC.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        if os.getppid() != parent:  # the supervisor died before prctl took effect
            os._exit(137)

    return setup


class Supervisor:
    """Runs ``argv`` while ``warden`` is active; returns the exit status ``pgwarden run`` should end with."""

    def __init__(
        self,
        warden: Warden,
        argv: Sequence[str],
        *,
        env: dict[str, str] | None = None,
        webhook: WebhookMode | None = None,
    ) -> None:
        self.warden = warden
        self.argv = list(argv)
        self.env = dict(os.environ if env is None else env)
        self.webhook = webhook
        if webhook is not None:  # registered before the Warden starts: its first promotion sets the webhook
            webhook.own(warden)
        self.child: asyncio.subprocess.Process | None = None
        self.starts = 0
        self._stopped_by_demotion = False
        self._signal: int | None = None
        self._signalled = asyncio.Event()

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        handled = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
        for sig in handled:
            loop.add_signal_handler(sig, self._on_signal, sig)
        loop.add_signal_handler(signal.SIGCONT, self.warden.wake)
        self.warden.on_demote(self._on_demote)
        try:
            return await (self._serve() if self.webhook is not None else self._loop())
        finally:
            for sig in (*handled, signal.SIGCONT):
                loop.remove_signal_handler(sig)
            child = self.child
            if child is not None and child.returncode is None:
                await self._stop(child, urgent=True)

    def _on_signal(self, sig: int) -> None:
        self._signal = sig
        self._signalled.set()
        log.info("received %s: stopping", signal.Signals(sig).name)

    async def _loop(self) -> int:
        while True:
            if not self.warden.is_active:
                log.info(
                    "waiting to become active: %s",
                    "; ".join(self.warden.reasons) or "another instance holds the lease",
                )
                await self._until(self.warden.wait_active())
            if self._signalled.is_set():
                return self._standby_status()
            delay = self.warden.takeover_delay
            if delay > 0:
                log.info("took over: waiting %.1f s before starting the command (takeover delay)", delay)
                await self._until(self.warden.wait_inactive(), timeout=delay)
                if self._signalled.is_set():
                    return self._standby_status()
                if not self.warden.is_active:
                    continue
            code = await self._run_child()
            if code is None:
                continue  # demoted: stand by again
            return code

    async def _serve(self) -> int:
        """Webhook mode: run the child whenever this instance is fit to serve, whatever its role."""
        while True:
            if self._unfit() or not self.warden.ready:
                log.info(
                    "waiting to become ready before serving the webhook: %s",
                    "; ".join(self.warden.reasons) or "starting",
                )
                while not self._signalled.is_set() and (self._unfit() or not self.warden.ready):
                    await self._until(self.warden.wait_active(), timeout=self.warden.settings.check_interval)
            if self._signalled.is_set():
                return self._standby_status()
            code = await self._run_child()
            if code is None:
                continue  # unfit: stopped, wait to be ready again
            return code

    def _unfit(self) -> list[str]:
        """Why a webhook child must not serve: data loss, a failed gate, a fatal error (a lost database
        connection is not one: the ledger answers 503 meanwhile and Telegram delivers again)."""
        reasons = list(self.warden.identity_guard.reasons)
        if self.warden.fatal is not None:
            reasons.append(str(self.warden.fatal))
        reasons += self.warden.gate.reasons or []
        return reasons

    async def _watch_fitness(self) -> None:
        while not self._unfit():
            await asyncio.sleep(self.warden.settings.check_interval)

    def _standby_status(self) -> int:
        """Stopped before the command ran: Ctrl-C is 130 as for a leader (and every other command);
        SIGTERM or SIGHUP from a service manager is a clean stop of a standby, 0."""
        return 128 + signal.SIGINT if self._signal == signal.SIGINT else 0

    async def _until(self, aw: Awaitable[None], timeout: float | None = None) -> None:
        """Wait for ``aw`` or a stop signal (or ``timeout``); exceptions of ``aw`` (a fatal error) propagate."""
        task = asyncio.ensure_future(aw)
        stop = asyncio.ensure_future(self._signalled.wait())
        try:
            await asyncio.wait({task, stop}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
            if not task.done():
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        error = task.exception() if task.done() and not task.cancelled() else None
        if error is not None:
            raise error

    async def _run_child(self) -> int | None:
        """Run the child until it exits (its status) or a demotion stopped it (None)."""
        epoch = self.warden.epoch
        env = {
            **self.env,
            "PGWARDEN_NAME": self.warden.settings.name,
            "PGWARDEN_INSTANCE": str(self.warden.instance.id),
            ENV["database_url"]: self.warden.url,
            ENV["ttl"]: f"{self.warden.settings.ttl:g}",
        }
        if self.webhook is not None:
            env.update(self.webhook.child_env())  # no epoch: the child outlives leadership terms
        else:
            env["PGWARDEN_EPOCH"] = str(epoch)
        self._stopped_by_demotion = False
        try:
            child = await asyncio.create_subprocess_exec(
                *self.argv,
                env=env,
                preexec_fn=_child_setup(os.getpid()),  # noqa: PLW1509 - prctl must run in the child
            )
        except OSError as exc:
            raise CommandNotFound(f"Cannot run {self.argv[0]}: {exc.strerror or exc}.") from None
        self.child = child
        self.starts += 1
        if self.webhook is not None:
            log.info(
                "started `%s` (pid %d) to serve the webhook as the %s instance",
                " ".join(self.argv),
                child.pid,
                "active" if self.warden.is_active else "standby",
            )
        else:
            log.info(
                "started `%s` (pid %d) as the active instance, epoch %s",
                " ".join(self.argv),
                child.pid,
                epoch,
            )
            if not self.warden.is_active:  # demoted while starting
                await self._stop(child, urgent=True)
                return None
        waiter = asyncio.ensure_future(child.wait())
        stop = asyncio.ensure_future(self._signalled.wait())
        unfit = asyncio.ensure_future(self._watch_fitness()) if self.webhook is not None else None
        await asyncio.wait({waiter, stop, *([unfit] if unfit else [])}, return_when=asyncio.FIRST_COMPLETED)
        stop.cancel()
        if unfit is not None:
            unfit.cancel()
        unfit_stop = unfit is not None and unfit.done() and not waiter.done() and not self._signalled.is_set()
        if unfit_stop:  # webhook mode: SIGTERM, SIGKILL after the grace period
            log.warning("stopping the webhook server: %s", "; ".join(self._unfit()))
            await self._stop(child, urgent=False)
        if not waiter.done():  # a stop signal: pass it on, then wait out the grace period
            await self._stop(child, urgent=False, first=self._signal or signal.SIGTERM)
        returncode = await waiter
        if (self._stopped_by_demotion or unfit_stop) and not self._signalled.is_set():
            log.warning(
                "the command was stopped (status %d) because this instance is no longer %s",
                exit_status(returncode),
                "fit to serve" if self.webhook is not None else "active",
            )
            return None
        log.info("the command exited with status %d", exit_status(returncode))
        return exit_status(returncode)

    async def _on_demote(self) -> None:
        child = self.child
        if child is None or child.returncode is not None or self.webhook is not None:
            return  # webhook mode: a standby's child serves too (unfitness is watched in _run_child)
        self._stopped_by_demotion = True
        demotion = self.warden.demotion
        await self._stop(child, urgent=bool(demotion and demotion.lost))

    async def _stop(
        self, child: asyncio.subprocess.Process, *, urgent: bool, first: int = signal.SIGTERM
    ) -> None:
        """SIGKILL at once when ``urgent`` (the lease is lost), else ``first``, then SIGKILL after the grace period."""
        if child.returncode is not None:
            return
        if urgent:
            _signal_group(child.pid, signal.SIGKILL)
            await child.wait()
            return
        _signal_group(child.pid, first)
        deadline = time.monotonic() + self.warden.settings.grace
        demotion = self.warden.demotion
        if self._stopped_by_demotion and demotion is not None and demotion.kill_by is not None:
            deadline = min(deadline, demotion.kill_by)  # the lease ends then: nothing may run after it
        while child.returncode is None:
            demotion = self.warden.demotion
            if time.monotonic() >= deadline or (
                demotion is not None and demotion.lost and self._stopped_by_demotion
            ):
                log.warning("the command did not stop in time: killing it")
                _signal_group(child.pid, signal.SIGKILL)
                break
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(child.wait()), timeout=0.05)
        await child.wait()


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, sig)
