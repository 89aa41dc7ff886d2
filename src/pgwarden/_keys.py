"""Sentences about configuration keys: unknown names (with the nearest known one), values shown safely.

Shared by ``config`` and ``expectations``; a password in a value is redacted before it is shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .urls import redact

__all__ = ["show", "strings", "unknown_keys"]


def unknown_keys(
    where: str, prefix: str, unknown: Iterable[str], known: Iterable[str], *, noun: str = "key"
) -> str:
    """One sentence naming every unknown key at once, each with the nearest known name."""
    import difflib  # only for a config with a typo: not loaded by every command (nor the guardian)

    choices = sorted(known)
    named = []
    for key in unknown:
        near = difflib.get_close_matches(str(key), choices, n=1, cutoff=0.6)
        named.append(f"`{prefix}{key}`" + (f" (did you mean `{prefix}{near[0]}`?)" if near else ""))
    noun = noun if len(named) == 1 else noun + "s"
    return f"{where}: unknown {noun} {', '.join(named)}; known: {', '.join(choices)}."


def show(value: Any) -> str:
    text = redact(str(value)) if isinstance(value, str) else repr(value)
    return text if len(text) < 60 else text[:57] + "..."


def strings(items: list[Any], *, file: Path, key: str) -> list[str]:
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise ConfigError(f"{file}: `{key}[{i}]` must be a string, got {show(item)}.")
    return list(items)
