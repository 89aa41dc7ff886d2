"""pgwarden: keeps a Python service and its PostgreSQL database honest with each other."""

from __future__ import annotations

__version__ = "0.1.0"
