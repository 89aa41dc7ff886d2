"""``baseline`` without a ledger to import: the version at which the live schema matches the chain.

Each file is applied in turn to a scratch database; after each, the scratch schema is
compared with the live one (other tools' ledger tables left out on both sides). The
newest version whose prefix of the chain builds exactly the live schema is the one to
baseline at; none means the live database was changed by hand or by other files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..catalog import Schema, inspect
from ..db import connect
from ..diff import diff
from ..errors import MigrationError
from ..scratch import Scratch
from .apply import apply
from .foreign import KNOWN_TABLES
from .source import MigrationFile

__all__ = ["Proposal", "LEDGER_PATTERNS", "propose"]

LEDGER_PATTERNS = tuple(p for t in KNOWN_TABLES for p in (f"*.{t}", f"*.{t}_*"))
"""``ignore`` globs that leave other tools' ledger tables (and their sequences, keys) out of a comparison."""


@dataclass(frozen=True)
class Proposal:
    version: int | None
    """The newest version whose prefix of the chain builds the live schema; ``None`` when none does."""
    closest: int | None = None
    """Otherwise: the version whose prefix differs least from live."""
    differences: int = 0
    """How many changes separate ``closest`` from live."""
    failed: str | None = None
    """The chain stopped here on the scratch database (a file that fails on an empty start)."""


def propose(files: Sequence[MigrationFile], live: Schema, scratch: Scratch) -> Proposal:
    """Apply ``files`` one by one on ``scratch`` and compare each prefix with ``live`` (read with
    ``ignore=LEDGER_PATTERNS``)."""
    url = scratch.create_database("baseline")
    best: tuple[int, int] | None = None  # (differences, version)
    match: int | None = None
    failed: str | None = None
    try:
        with connect(url, autocommit=True, what="scratch database") as conn:
            for file in files:
                try:
                    apply(conn, file)
                except MigrationError as exc:
                    failed = str(exc)
                    break
                changes = len(diff(inspect(conn, ignore=LEDGER_PATTERNS), live))
                if changes == 0:
                    match = file.version
                if best is None or changes <= best[0]:
                    best = (changes, file.version)
    finally:
        scratch.drop_database(url)
    if match is not None:
        return Proposal(match, failed=failed)
    return Proposal(None, best[1] if best else None, best[0] if best else 0, failed)
