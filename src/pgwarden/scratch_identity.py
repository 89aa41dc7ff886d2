"""What decides how a scratch server builds a schema: its binaries, or what a ``--dev-url`` server
reports. Cache keys (schemas, the initdb template) are made of it."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from .pgbin import Binaries

__all__ = ["binaries_identity", "server_identity"]


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
    from .db import connect  # the driver only here: a local cluster's identity imports none

    with connect(server_url, autocommit=True, what="scratch server (--dev-url)") as conn:
        row = conn.execute("SELECT version(), current_setting('port')").fetchone()
    parts = urlsplit(server_url)
    return "\0".join([parts.hostname or "", str(parts.port or ""), *(str(v) for v in row or ())])
