"""Migration file names of pgwarden and other tools: version, description and role (pure).

- ``NNN_description.sql``: pgwarden, dbmate, goose, aerich, sqlx (simple);
- ``NNN_description.up.sql`` / ``.down.sql``: golang-migrate, sqlx (reversible);
- ``V<n>__description.sql``, ``U<n>__description.sql`` (undo), ``R__description.sql``
  (repeatable): Flyway.

Only ``up`` files run; ``down`` and ``undo`` files are known so that they are never run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .formats import FormatError

__all__ = ["Name", "parse_name"]

_UPDOWN = re.compile(r"(?P<version>[0-9]+)_(?P<name>[^\s]+?)\.(?P<role>up|down)\.sql")
_FLYWAY = re.compile(r"(?P<prefix>[VU])(?P<version>[0-9]+(?:[._][0-9]+)*)__(?P<name>[^\s]+)\.sql")
_REPEATABLE = re.compile(r"R__(?P<name>[^\s]+)\.sql")
_NUMBERED = re.compile(r"(?P<version>[0-9]+)_(?P<name>[^\s]+)\.sql")


@dataclass(frozen=True)
class Name:
    version: int
    name: str
    role: str
    """``up`` (runs), ``down`` (golang-migrate/sqlx rollback) or ``undo`` (Flyway undo)."""
    layout: str
    """``numbered``, ``up-down`` (golang-migrate, sqlx) or ``flyway``."""


def parse_name(filename: str) -> Name | None:
    """What ``filename`` says, ``None`` when it has no version; ``FormatError`` for names pgwarden cannot order."""
    match = _UPDOWN.fullmatch(filename)
    if match:
        return Name(int(match["version"]), match["name"], match["role"], "up-down")
    match = _FLYWAY.fullmatch(filename)
    if match:
        version = match["version"]
        if not version.isdigit():
            raise FormatError(
                f"Flyway version {version.replace('_', '.')} is not a whole number, and pgwarden orders "
                "versions as integers: rename the files to whole-number versions (V11__, V12__, ...)"
            )
        role = "up" if match["prefix"] == "V" else "undo"
        return Name(int(version), match["name"], role, "flyway")
    if _REPEATABLE.fullmatch(filename):
        raise FormatError(
            "Flyway repeatable migrations (R__) are not run by pgwarden yet: fold the file into a "
            "versioned one (V<n>__) or keep running it with Flyway"
        )
    match = _NUMBERED.fullmatch(filename)
    if match:
        return Name(int(match["version"]), match["name"], "up", "numbered")
    return None
