"""Reading the server settings that ``[[expect.settings]]`` declares, with their per-role overrides."""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from typing import Any

import psycopg

from .declared import LiveSetting

__all__ = ["read_settings", "settings_from", "settings_query"]


def read_settings(conn: psycopg.Connection[Any], names: Iterable[str]) -> dict[str, LiveSetting]:
    """The value this session sees of each of ``names`` (lower-cased), and the stored overrides."""
    asked = settings_query(names)
    return settings_from(conn.execute(*asked).fetchall()) if asked else {}


def settings_query(names: Iterable[str]) -> tuple[bytes, dict[str, Any]] | None:
    """The query ``read_settings`` runs and its parameters (None when no setting is declared), for
    a caller sending it with other reads."""
    wanted = sorted({n.strip().lower() for n in names})
    if not wanted:
        return None
    return resources.files(__package__).joinpath("sql/settings.sql").read_bytes(), {"names": wanted}


def settings_from(rows: Iterable[tuple[Any, ...]]) -> dict[str, LiveSetting]:
    """``read_settings``'s answer from the rows of ``settings_query``."""
    found: dict[str, LiveSetting] = {}
    for name, value, overrides in rows:
        found[name] = LiveSetting(
            name=name,
            value=value,
            overrides=tuple(
                (o.get("role"), o.get("database"), o.get("value") or "") for o in overrides or ()
            ),
        )
    return found
