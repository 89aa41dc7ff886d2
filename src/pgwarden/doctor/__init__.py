"""``pgwarden doctor``: incidents from logs (a catalog of signatures), and probes of the host and the server.

The names below load on first use: ``doctor telegram`` and ``doctor env`` import a submodule of
this package and should not pay for the log matcher (and Hyperscan) they never run.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .logs import analyze
    from .report import LogReport
    from .signature_catalog import SIGNATURE_IDS, Signature

__all__ = ["SIGNATURE_IDS", "Signature", "LogReport", "analyze"]

_WHERE = {
    "analyze": ".logs",
    "LogReport": ".report",
    "SIGNATURE_IDS": ".signature_catalog",
    "Signature": ".signature_catalog",
}


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(where, __name__), name)
