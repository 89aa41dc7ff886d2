"""Thresholds like dbt's ``warn_if`` / ``error_if``: a count, or a percentage of a population."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

__all__ = ["Threshold", "parse_threshold"]

_FORM = re.compile(r"\s*(>=|<=|==|!=|<>|>|<|=)?\s*([0-9]+(?:\.[0-9]+)?)\s*(%)?\s*")
_OPS = {
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


@dataclass(frozen=True)
class Threshold:
    """``> 10`` or ``>= 5%``: compared with the violation count, or with its share of the population."""

    op: str
    value: float
    percent: bool = False

    @property
    def text(self) -> str:
        number = f"{self.value:g}"
        return f"{self.op} {number}{'%' if self.percent else ''}"

    def met(self, count: int, population: int | None) -> bool:
        """Whether ``count`` violations (out of ``population`` rows) reach this threshold."""
        if self.percent:
            if population is None:
                return False
            share = 100.0 * count / population if population > 0 else (100.0 if count else 0.0)
            return bool(_OPS[self.op](share, self.value))
        return bool(_OPS[self.op](count, self.value))


def parse_threshold(raw: Any) -> Threshold:
    """``"> 10"``, ``">=5%"``, ``"!= 0"`` or a bare number ``N`` (meaning ``>= N``).

    Raises ``ValueError`` with a sentence saying what is wrong; the caller adds the file and key.
    """
    if isinstance(raw, bool):
        raise ValueError(f"{raw!r} is not a threshold; write a count such as '> 0' or a share such as '> 5%'")
    if isinstance(raw, (int, float)):
        if isinstance(raw, float) and not math.isfinite(raw):
            raise ValueError(f"{raw!r} is not a finite number")
        if raw < 0:
            raise ValueError(f"{raw!r} is negative; a count of violations is never below 0")
        return Threshold(">=", float(raw))
    if not isinstance(raw, str):
        raise ValueError(f"{raw!r} is not a threshold; write a string such as '> 0' or '> 5%'")
    if re.fullmatch(r"\s*(>=|<=|==|!=|<>|>|<|=)?\s*-.*", raw):
        raise ValueError(f"{raw!r} is negative; a count of violations is never below 0")
    match = _FORM.fullmatch(raw)
    if match is None:
        raise ValueError(
            f"{raw!r} is not a threshold; write an operator (>, >=, <, <=, =, !=) and a number, "
            "optionally followed by one %, e.g. '> 0' or '>= 5%'"
        )
    op = {"==": "=", "<>": "!="}.get(match[1] or ">=", match[1] or ">=")
    value = float(match[2])
    percent = match[3] is not None
    if percent and value > 100:
        raise ValueError(f"{raw!r} is more than 100%")
    return Threshold(op, value, percent)
