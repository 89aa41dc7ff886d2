"""Reading the server settings that ``[[expect.settings]]`` declares, with their per-role overrides."""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from typing import Any

import psycopg

from .declared import LiveSetting

__all__ = ["read_settings"]


def read_settings(conn: psycopg.Connection[Any], names: Iterable[str]) -> dict[str, LiveSetting]:
    """The value this session sees of each of ``names`` (lower-cased), and the stored overrides."""
    wanted = sorted({n.strip().lower() for n in names})
    if not wanted:
        return {}
    query = resources.files(__package__).joinpath("sql/settings.sql").read_text(encoding="utf-8")
    found: dict[str, LiveSetting] = {}
    for name, value, overrides in conn.execute(query, {"names": wanted}).fetchall():
        found[name] = LiveSetting(
            name=name,
            value=value,
            overrides=tuple(
                (o.get("role"), o.get("database"), o.get("value") or "") for o in overrides or ()
            ),
        )
    return found
