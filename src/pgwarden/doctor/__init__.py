"""``pgwarden doctor``: incidents from logs (a catalog of signatures), and probes of the host and the server."""

from __future__ import annotations

from .logs import analyze
from .report import LogReport
from .signature_catalog import SIGNATURE_IDS, Signature

__all__ = ["SIGNATURE_IDS", "Signature", "LogReport", "analyze"]
