"""PostgreSQL's own identifier quoting, to recognise names inside server-deparsed text."""

from __future__ import annotations

import json
import re
from functools import cache, lru_cache
from importlib import resources

_SAFE = re.compile(r"[a-z_][a-z0-9_$]*")


@cache
def quoted_keywords() -> frozenset[str]:
    """The keywords ``quote_ident()`` quotes, from a data file: reading them from pglast would
    import its parser (~60 ms) in every command that compares schemas."""
    text = resources.files(__package__).joinpath("quoted_keywords.json").read_text(encoding="utf-8")
    return frozenset(json.loads(text)["keywords"])


@lru_cache(maxsize=4096)
def quote_ident(name: str) -> str:
    """What ``quote_ident()`` prints: the name, double-quoted only when it has to be."""
    if _SAFE.fullmatch(name) and name not in quoted_keywords():
        return name
    return '"' + name.replace('"', '""') + '"'


def quoted(schema: str, name: str) -> str:
    return f"{quote_ident(schema)}.{quote_ident(name)}"


def split_qualname(qualname: str) -> tuple[str, str]:
    """``schema.name`` -> (schema, name); the schema never contains a dot in a model's qualname."""
    schema, _, name = qualname.partition(".")
    return schema, name
