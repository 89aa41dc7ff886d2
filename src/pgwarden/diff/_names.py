"""PostgreSQL's own identifier quoting, to recognise names inside server-deparsed text."""

from __future__ import annotations

import re
from functools import lru_cache

_SAFE = re.compile(r"[a-z_][a-z0-9_$]*")


@lru_cache(maxsize=4096)
def quote_ident(name: str) -> str:
    """What ``quote_ident()`` prints: the name, double-quoted only when it has to be."""
    if _SAFE.fullmatch(name) and name not in _quoted_keywords():
        return name
    return '"' + name.replace('"', '""') + '"'


@lru_cache(maxsize=1)
def _quoted_keywords() -> frozenset[str]:
    """The keywords that must be quoted as names, from pglast's copy of PostgreSQL's list: imported
    on the first name to quote, as pglast costs tens of milliseconds to import."""
    from pglast.keywords import COL_NAME_KEYWORDS, RESERVED_KEYWORDS, TYPE_FUNC_NAME_KEYWORDS

    return frozenset(RESERVED_KEYWORDS) | frozenset(COL_NAME_KEYWORDS) | frozenset(TYPE_FUNC_NAME_KEYWORDS)


def quoted(schema: str, name: str) -> str:
    return f"{quote_ident(schema)}.{quote_ident(name)}"


def split_qualname(qualname: str) -> tuple[str, str]:
    """``schema.name`` -> (schema, name); the schema never contains a dot in a model's qualname."""
    schema, _, name = qualname.partition(".")
    return schema, name
