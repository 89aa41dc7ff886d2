"""A live database as a schema source, read inside a READ ONLY transaction."""

from __future__ import annotations

from collections.abc import Sequence

from ..catalog import TableShare, inspect_with_privileges
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
    share: TableShare | None = None,
) -> Expected:
    """Inspect the database at ``url``; ``DatabaseUnreachable`` when it cannot be reached.

    ``share``: given to two loads running at the same time, equal tables are built once."""
    with read_only(url, timeout=timeout) as conn:
        schema = inspect_with_privileges(conn, schemas=schemas, ignore=ignore, share=share)
    return Expected(label=describe(url), kind="database", schema=schema)
