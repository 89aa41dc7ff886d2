"""A live database as a schema source, read inside a READ ONLY transaction."""

from __future__ import annotations

from collections.abc import Sequence

from ..catalog import inspect_with_privileges
from ..db import read_only
from ..urls import describe
from .expected import Expected

__all__ = ["load"]


def load(
    url: str,
    *,
    timeout: float = 5.0,
    schemas: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> Expected:
    """Inspect the database at ``url``; ``DatabaseUnreachable`` when it cannot be reached."""
    with read_only(url, timeout=timeout) as conn:
        schema = inspect_with_privileges(conn, schemas=schemas, ignore=ignore)
    return Expected(label=describe(url), kind="database", schema=schema)
