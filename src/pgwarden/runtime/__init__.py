"""The runtime guardian: exactly one active instance, schema gate, data-loss alarm, health, metrics and alerts.

Names are imported on first use, so ``pgwarden run`` does not load the health server (Starlette,
uvicorn) unless it serves the endpoints.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .alerts import Alerter, AlertSettings
    from .health import ProcessHealth
    from .leadership import Promotion
    from .lease import Demotion
    from .server import HealthServer, start_server
    from .settings import RuntimeSettings
    from .warden import Warden

__all__ = [
    "AlertSettings",
    "Alerter",
    "Demotion",
    "HealthServer",
    "ProcessHealth",
    "Promotion",
    "RuntimeSettings",
    "Warden",
    "start_server",
]

_WHERE = {
    "AlertSettings": "alerts",
    "Alerter": "alerts",
    "Demotion": "lease",
    "HealthServer": "server",
    "ProcessHealth": "health",
    "Promotion": "leadership",
    "RuntimeSettings": "settings",
    "Warden": "warden",
    "start_server": "server",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'pgwarden.runtime' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)
