"""``pgwarden doctor``: incidents from logs (a catalog of signatures), and probes of the host and the server."""

from __future__ import annotations

from .catalog import SIGNATURE_IDS, Signature
from .logs import analyze
from .report import LogReport

__all__ = ["SIGNATURE_IDS", "Signature", "LogReport", "analyze"]
