"""A throwaway PostgreSQL cluster from local binaries, on a Unix socket in a private folder.

The cluster listens on no TCP port: only on a Unix socket in its own 0700 folder, so nobody but
pgwarden's OS user (and root) can reach it, even though it trusts whoever gets there. As root, the
cluster runs as the ``postgres`` user (or ``nobody``), since PostgreSQL refuses to run as root; that
user owns the folder. Starting one imports no database driver (nor does ``scratch``): a command
that knows it will need one starts it before psycopg and the rest of its code import
(``LazyScratch.prestart``), and the two run on different cores.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import quote

from . import scratch_server, scratch_template
from .errors import ScratchError
from .pgbin import Binaries
from .scratch_identity import binaries_identity
from .scratch_place import SOCKET_PORT, private_dir, run_as

__all__ = ["Cluster", "main_thread"]

log = logging.getLogger("pgwarden.scratch")


class Cluster:
    """A temporary PostgreSQL cluster on a Unix socket in a private folder; ``stop()`` removes every trace."""

    def __init__(self, binaries: Binaries, *, memory: bool = False) -> None:
        """``memory``: the cluster only builds a schema, so its folder may be on a memory file
        system (``scratch_place``); a cluster that may hold real data leaves it False."""
        self.binaries = binaries
        self.owner = run_as()
        self.dir = private_dir(memory=memory, owner=self.owner)
        self.data = self.dir / "data"
        self.port = SOCKET_PORT
        self._started = False
        self._server: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()  # cancel() from another thread vs. the start's next step
        self._cancelled = False
        self._child: subprocess.Popen[str] | None = None  # initdb while it runs
        os.chmod(self.dir, 0o700)
        if self.owner:
            os.chown(self.dir, *self.owner)

    @property
    def socket_dir(self) -> Path:
        return self.dir

    @property
    def url(self) -> str:
        return (
            f"postgresql://postgres@/postgres?host={quote(str(self.socket_dir), safe='/')}&port={self.port}"
        )

    def initdb_args(self) -> list[str]:
        """initdb for a cluster that trusts local (socket) connections and rejects any over TCP."""
        return [
            self.binaries.tool("initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth-local=trust",
            "--auth-host=reject",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
            "--wal-segsize=1",  # 1 MB of WAL to write and copy instead of 16: a scratch cluster keeps no history
        ]

    def server_options(self) -> str:
        """``postgres`` options: no TCP listener, the socket only in the private folder."""
        return " ".join(
            [
                f"-p {self.port}",
                "-c listen_addresses=''",
                f"-k {self.socket_dir}",
                "-c unix_socket_permissions=0700",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_connections=50",
                "-c shared_buffers=32MB",
            ]
        )

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"
        return env

    def _who(self) -> str:
        return (
            f" as uid {self.owner[0]}, which must be able to read {self.binaries.bindir}"
            if self.owner
            else ""
        )

    def _run(self, args: list[str], *, what: str, cancellable: bool = False) -> None:
        """Run ``args`` as the cluster's user; ``ScratchError`` naming ``what`` when it fails, or, when
        ``cancellable``, when ``cancel()`` came first or stopped it."""
        # As root, the child becomes the cluster's user in C (user=, group=, extra_groups=): no Python
        # runs between fork and exec, which is safe while another thread imports (LazyScratch.prestart).
        uid, gid = self.owner if self.owner else (None, None)
        try:
            with self._lock:
                if cancellable:
                    self._refuse_if_cancelled(what)
                proc = subprocess.Popen(
                    args,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    user=uid,
                    group=gid,
                    extra_groups=[] if self.owner else None,
                    cwd=self.dir,
                    env=self._env(),
                    start_new_session=True,  # Ctrl-C in the terminal must not kill the server before we stop it
                )
                self._child = proc if cancellable else None
            try:
                stdout, stderr = proc.communicate(timeout=120)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
                raise
            finally:
                with self._lock:
                    self._child = None
        except (OSError, subprocess.SubprocessError) as exc:
            raise ScratchError(
                f"Could not run {what} ({args[0]}){self._who()}: {exc}. Pass --dev-url to use a server you run."
            ) from None
        if cancellable:
            self._refuse_if_cancelled(what)
        if proc.returncode != 0:
            detail = (stderr or stdout).strip().splitlines()[-3:]
            logfile = self.dir / "server.log"
            if logfile.exists():
                detail += logfile.read_text(errors="replace").strip().splitlines()[-3:]
            raise ScratchError(
                f"{what} failed with {self.binaries.bindir}: {' / '.join(detail)}. "
                "Pass --dev-url to use a server you run instead."
            )

    def _make_data(self) -> str:
        """A copy of the initdb template (``scratch_template``), else initdb, which makes the template."""
        args = self.initdb_args()
        ident = scratch_template.identity(binaries_identity(self.binaries), args, self.data)
        try:
            template = scratch_template.find(ident)
            if template is not None:
                scratch_template.copy(template, self.data, self.owner)
        except OSError as exc:  # pruned by another run meanwhile: initdb after all
            log.info("initdb template not copied (%s): running initdb", exc)
            template = None
            shutil.rmtree(self.data, ignore_errors=True)
        if template is None:
            self._run(args, what="initdb", cancellable=True)
            scratch_template.keep(ident, self.data)  # before the server writes to it
        scratch_template.write_settings(self.data, args)
        return "initdb" if template is None else "copy of the initdb template"

    def cancel(self) -> None:
        """Abandon a start under way in another thread, whose cluster is no longer needed: a running
        initdb is killed with its children and ``start()`` raises ``ScratchError`` before the server
        starts; the starting thread still calls ``stop()``, which removes the folder."""
        with self._lock:
            self._cancelled = True
            child = self._child
            if child is not None and child.poll() is None:
                try:  # the child leads its own session (start_new_session): its postgres children too
                    if os.name == "posix":
                        os.killpg(child.pid, signal.SIGKILL)
                    else:
                        child.kill()
                except ProcessLookupError:
                    pass

    def _refuse_if_cancelled(self, what: str) -> None:
        if self._cancelled:
            raise ScratchError(f"{what} stopped: the scratch cluster is no longer needed")

    def start(self) -> None:
        t0 = time.monotonic()
        how = self._make_data()
        t1 = time.monotonic()
        self._refuse_if_cancelled("postgres")
        log_file = self.dir / "server.log"
        try:
            self._server = scratch_server.launch(
                self.binaries.tool("postgres"),
                self.data,
                self.server_options(),
                cwd=self.dir,
                log=log_file,
                env=self._env(),
                owner=self.owner,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise ScratchError(
                f"Could not run postgres ({self.binaries.tool('postgres')}){self._who()}: {exc}. "
                "Pass --dev-url to use a server you run."
            ) from None
        self._started = True
        try:
            scratch_server.wait_ready(self._server, self.data, timeout=60, log=log_file)
        except ScratchError as exc:
            raise ScratchError(
                f"{exc} ({self.binaries.bindir}). Pass --dev-url to use a server you run instead."
            ) from None
        log.info(
            "scratch PostgreSQL %s (%s) ready on socket %s in %.2fs (%s %.2fs)",
            self.binaries.version,
            self.binaries.origin,
            self.socket_dir,
            time.monotonic() - t0,
            how,
            t1 - t0,
        )

    def stop(self) -> None:
        # Ignore Ctrl-C while we tear down, or a second press would leave the server running.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main_thread() else None
        try:
            if self._started and not scratch_server.stop(self._server, self.data):
                try:  # restarted by someone else (a test, with pg_ctl): stopped the same way
                    self._run(
                        [self.binaries.tool("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"],
                        what="pg_ctl stop",
                    )
                except ScratchError as exc:
                    log.warning("%s", exc)
            self._started = False
            self._server = None
            shutil.rmtree(self.dir, ignore_errors=True)
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)


def main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()
