"""Which columns hold ids, and which hold Telegram ids: shared by lint's width rule and ``check``.

Telegram user ids passed 2**31 in 2021 and supergroup chat ids are around -10**12: a
column that holds them as ``integer`` fails on the next new user. Ordinary counters,
prices and positions fit in ``integer`` and are not flagged.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Callable

__all__ = ["NARROW", "TELEGRAM_NAMES", "is_id_name", "is_telegram_name"]

NARROW = {"integer": "integer", "smallint": "smallint", "int4": "integer", "int2": "smallint"}
"""Type names, as the catalog or the parser spells them, of integers narrower than bigint."""

TELEGRAM_NAMES: tuple[str, ...] = (
    "telegram_id",
    "telegram_*_id",
    "*_telegram_id",
    "tg_id",
    "tg_*_id",
    "*_tg_id",
    "chat_id",
    "*_chat_id",
    "user_id",
    "*_user_id",
    "from_id",
    "sender_id",
)
"""Column names bots use for ids that come from Telegram (matched case-insensitively)."""


def is_telegram_name(column: str, extra: tuple[str, ...] = ()) -> bool:
    """Whether a column of this name holds Telegram user or chat ids by the usual conventions."""
    return _matcher(extra)(column.lower()) is not None


@functools.lru_cache(maxsize=32)
def _matcher(extra: tuple[str, ...]) -> Callable[[str], re.Match[str] | None]:
    # One expression for every pattern: lint asks for each column of each statement (~18,000 times
    # per 1,000 files), where a loop of fnmatch calls cost ~10 ms.
    patterns = (*TELEGRAM_NAMES, *extra)
    return re.compile("|".join(fnmatch.translate(p) for p in patterns)).match


def is_id_name(column: str) -> bool:
    """Whether a column of this name holds ids (``id``, ``*_id``, ``ids``, ``*_ids``), not a count or a price."""
    name = column.lower()
    return name in ("id", "ids") or name.endswith(("_id", "_ids")) or is_telegram_name(name)
