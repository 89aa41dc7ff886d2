"""Throwaway PostgreSQL: databases on ``--dev-url``, else a temporary cluster from local binaries.

Binaries are looked for in this order: ``$PGWARDEN_PG_BINDIR``, the newest
``/usr/lib/postgresql/*/bin``, ``pg_config --bindir`` on PATH, the ``pgserver``
wheel. As root, the cluster runs as the ``postgres`` user (or ``nobody``),
since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from .db import connect
from .errors import ScratchError
from .urls import describe, to_libpq

log = logging.getLogger("pgwarden.scratch")

_PREFIX = "pgwarden_scratch_"


@dataclass(frozen=True)
class Binaries:
    bindir: Path
    version: int
    """Major version, e.g. 15."""
    origin: str
    """Where they were found (``system``, ``env``, ``path``, ``pgserver``)."""

    def tool(self, name: str) -> str:
        return str(self.bindir / name)


def find_binaries() -> Binaries | None:
    """The PostgreSQL server binaries to start a throwaway cluster with, if any."""
    candidates: list[tuple[Path, str]] = []
    forced = os.environ.get("PGWARDEN_PG_BINDIR")
    if forced:
        candidates.append((Path(forced), "env"))
    system = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: _int(p.parent.name),
        reverse=True,
    )
    candidates += [(p, "system") for p in system]
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10)
            candidates.append((Path(out.stdout.strip()), "path"))
        except (OSError, subprocess.SubprocessError):
            pass
    # Found without importing pgserver, whose import has side effects (platformdirs warnings).
    spec = importlib.util.find_spec("pgserver")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            candidates.append((Path(location) / "pginstall" / "bin", "pgserver"))
    for bindir, origin in candidates:
        if (
            (bindir / "initdb").is_file()
            and (bindir / "pg_ctl").is_file()
            and (bindir / "postgres").is_file()
        ):
            version = _server_major(bindir)
            if version:
                return Binaries(bindir=bindir, version=version, origin=origin)
    return None


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return 0


def _server_major(bindir: Path) -> int | None:
    try:
        out = subprocess.run(
            [str(bindir / "postgres"), "--version"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"(\d+)(?:\.\d+)?", out.stdout)
    return int(match.group(1)) if match else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_as() -> tuple[int, int] | None:
    """(uid, gid) to drop to when running as root, else ``None``."""
    if os.name != "posix" or os.geteuid() != 0:
        return None
    import pwd

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


class Cluster:
    """A temporary PostgreSQL cluster listening on 127.0.0.1; ``stop()`` removes every trace."""

    def __init__(self, binaries: Binaries) -> None:
        self.binaries = binaries
        self.owner = _run_as()
        self.dir = Path(tempfile.mkdtemp(prefix="pgwarden-pg-"))
        self.data = self.dir / "data"
        self.port = 0
        self._started = False
        if self.owner:
            os.chown(self.dir, *self.owner)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

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
            raise ScratchError(
                f"Could not run {what} ({args[0]}): {exc}. Pass --dev-url to use a server you run."
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

    def start(self) -> None:
        t0 = time.monotonic()
        self._run(
            [
                self.binaries.tool("initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
            what="initdb",
        )
        t1 = time.monotonic()
        options = " ".join(
            [
                "-c listen_addresses=127.0.0.1",
                f"-k {self.dir}",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_connections=50",
                "-c shared_buffers=32MB",
            ]
        )
        for attempt in range(3):
            self.port = _free_port()
            try:
                self._run(
                    [
                        self.binaries.tool("pg_ctl"),
                        "-D",
                        str(self.data),
                        "-l",
                        str(self.dir / "server.log"),
                        "-o",
                        f"-p {self.port} {options}",
                        "-w",
                        "-t",
                        "60",
                        "start",
                    ],
                    what="pg_ctl start",
                )
                break
            except ScratchError:
                if attempt == 2:
                    raise
        self._started = True
        log.info(
            "scratch PostgreSQL %s (%s) ready on port %d in %.2fs (initdb %.2fs)",
            self.binaries.version,
            self.binaries.origin,
            self.port,
            time.monotonic() - t0,
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
    import threading

    return threading.current_thread() is threading.main_thread()


def _with_dbname(url: str, dbname: str) -> str:
    parts = urlsplit(to_libpq(url))
    return urlunsplit((parts.scheme, parts.netloc, "/" + dbname, parts.query, parts.fragment))


class Scratch:
    """Hands out empty databases on a server the tool may create and drop databases on."""

    def __init__(self, server_url: str, *, cluster: Cluster | None = None) -> None:
        self.server_url = server_url
        self.cluster = cluster
        self._created: list[str] = []

    @property
    def version(self) -> int | None:
        return self.cluster.binaries.version if self.cluster else None

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
        return _with_dbname(self.server_url, name)

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
            "No PostgreSQL server binaries found for a scratch database: install the `pgserver` "
            "package (pip install pgserver) or the postgresql package of your system, or pass "
            "--dev-url postgresql://user@host/db for a server where pgwarden may create databases."
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

    def close(self) -> None:
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
