"""What every declared-object check shares: the finding, the evidence, name splitting."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from psycopg import sql

from ... import codes
from ...findings import Finding


def drift_finding(
    kind: str,
    obj: str,
    message: str,
    hint: str,
    *,
    fix: sql.Composable | None = None,
    expected: Any = None,
    actual: Any = None,
) -> Finding:
    return codes.finding(
        kind,
        obj,
        message,
        hint,
        source="drift",
        fix_sql=fix.as_string(None) if fix is not None else None,
        evidence={"expected": expected, "actual": actual},
    )


def as_evidence(obj: Any) -> dict[str, Any]:
    """A declaration as evidence: only the keys the user set (or that have meaning)."""
    return {
        k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(obj).items() if v is not None
    }


def split_name(name: str, schema: str) -> tuple[str, str]:
    """``app.bookings`` may be written in ``table`` instead of ``schema = "app"``."""
    if "." in name and schema == "public":
        first, rest = name.split(".", 1)
        return first, rest
    return schema, name


def no_table(kind: str, obj: str, what: str, table: str, section: str, expected: Any) -> Finding:
    return drift_finding(
        kind,
        obj,
        f"{what} cannot exist because table {table} does not exist.",
        f"Create the table (have the migrations run?), or fix `table` in [[expect.{section}]].",
        expected=expected,
        actual=None,
    )


def strip_call(name: str) -> tuple[str, str | None]:
    """``f(integer, text)`` -> (``f``, ``integer, text``); ``f`` -> (``f``, None)."""
    match = re.fullmatch(r"\s*([^()]+?)\s*\((.*)\)\s*", name)
    if match:
        return match[1], match[2]
    return name.strip(), None
