"""Snapshot files as an expected-schema source; the JSON format itself lives in ``catalog.serialize``."""

from __future__ import annotations

from pathlib import Path

from ..catalog.serialize import read
from ..paths import show_path
from .expected import Expected


def load(path: Path) -> Expected:
    """Read a snapshot file as an expected-schema source."""
    return Expected(label=show_path(path), kind="snapshot", schema=read(path))
