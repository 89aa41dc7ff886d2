"""A real PgBouncer (Debian's package) in front of a test cluster, started and stopped by the suite."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict

from pgwarden.scratch import Cluster

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


def available() -> bool:
    return os.path.exists(PGBOUNCER)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgBouncer:
    """``pool_mode`` = transaction or session; every database of ``cluster`` behind one port."""

    def __init__(self, cluster: Cluster, pool_mode: str, *, tcp_password: str | None = None) -> None:
        """``tcp_password``: reach the cluster over TCP on 127.0.0.1 as ``postgres`` with it (the
        cluster listens there), not on its socket."""
        self.cluster = cluster
        self.pool_mode = pool_mode
        self.tcp_password = tcp_password
        self.dir = Path(tempfile.mkdtemp(prefix=f"pgwarden-bouncer-{pool_mode}-"))
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    def url(self, server_url: str) -> str:
        """``server_url`` (a database on the cluster) rewritten to go through this pooler."""
        parts = conninfo_to_dict(server_url)  # the cluster is reached on its socket folder
        return f"postgresql://{parts.get('user', 'postgres')}@127.0.0.1:{self.port}/{parts['dbname']}"

    def start(self) -> None:
        owner = self.cluster.owner
        if owner:
            os.chown(self.dir, *owner)
        for _ in range(3):
            self.port = _free_port()
            ini = self.dir / "pgbouncer.ini"
            ini.write_text(
                "[databases]\n"
                f"* = host={self.cluster.socket_dir if self.tcp_password is None else '127.0.0.1'} "
                f"port={self.cluster.port}\n"
                "[pgbouncer]\n"
                f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
                f"auth_type = trust\nauth_file = {self.dir / 'users.txt'}\n"
                f"pool_mode = {self.pool_mode}\n"
                "max_client_conn = 400\ndefault_pool_size = 20\n"
                "server_reset_query = DISCARD ALL\n"
                "ignore_startup_parameters = extra_float_digits,options\n"
                f"logfile = {self.dir / 'pgbouncer.log'}\npidfile = {self.dir / 'pgbouncer.pid'}\n"
                "server_login_retry = 1\n",
                encoding="utf-8",
            )
            # With a password, pgbouncer logs in to the server with it (clients still need none).
            (self.dir / "users.txt").write_text(f'"postgres" "{self.tcp_password or ""}"\n', encoding="utf-8")
            os.chmod(ini, 0o644)

            def drop() -> None:
                if owner:
                    os.setgid(owner[1])
                    os.setgroups([])
                    os.setuid(owner[0])

            self.proc = subprocess.Popen(  # noqa: S603 - the system's pgbouncer
                [PGBOUNCER, str(ini)],
                preexec_fn=drop,  # noqa: PLW1509 - pgbouncer refuses to run as root
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    with psycopg.connect(self.url(self.cluster.url), connect_timeout=2) as conn:
                        conn.execute("SELECT 1")
                    return
                except psycopg.OperationalError:
                    time.sleep(0.1)
            self.stop()
        log = self.dir / "pgbouncer.log"
        raise RuntimeError(f"pgbouncer did not start: {log.read_text()[-500:] if log.exists() else 'no log'}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
