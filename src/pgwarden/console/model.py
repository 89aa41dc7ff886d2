"""What the console shows, as plain data: panels of tables, findings and charts, each with when it was read.

Builders (``panels_*``) turn what was read into these; ``render`` turns them into HTML. Neither
does I/O, so both are tested without a database or a browser.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from ..findings import Finding, Severity

__all__ = ["Cell", "Chart", "Marks", "Panel", "Table", "TONES", "tone_of", "worst"]

TONES = ("", "ok", "warn", "bad")
"""From quiet to loud: a panel's tone is its loudest cell's or finding's."""


@dataclass(frozen=True)
class Cell:
    text: str
    tone: str = ""
    code: bool = False
    """Shown verbatim, with a copy button (fix SQL)."""


@dataclass(frozen=True)
class Table:
    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    empty: str = "Nothing to show."


@dataclass(frozen=True)
class Chart:
    """One series over time: ``points`` are (unix seconds, value); ``None`` values are gaps."""

    label: str
    unit: str
    points: tuple[tuple[float, float | None], ...]


@dataclass(frozen=True)
class Marks:
    """Moments on a time axis from ``start`` to ``end`` (unix seconds), each with its tone: a timeline at a glance."""

    label: str
    start: float
    end: float
    points: tuple[tuple[float, str], ...]


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    read_at: datetime | None
    """When its data was read (``None``: never, yet)."""
    summary: str
    tone: str = ""
    tables: tuple[Table, ...] = ()
    findings: tuple[Finding, ...] = ()
    charts: tuple[Chart, ...] = ()
    missing: str | None = None
    """What keeps this panel from showing anything: not configured, or the GRANT it needs."""
    error: str | None = None
    """The last read failed (the data shown, if any, is the last known, from ``read_at``)."""
    seconds: float = 0.0
    """How long the read took."""
    notes: tuple[str, ...] = field(default_factory=tuple)
    marks: Marks | None = None

    def failed(self, error: str) -> Panel:
        """This panel's last known state, marked with why it could not be read again."""
        return replace(self, error=error, tone=worst([self.tone, "warn"]))


def tone_of(severity: Severity) -> str:
    return {Severity.ERROR: "bad", Severity.WARNING: "warn", Severity.INFO: ""}[severity]


def worst(tones: Sequence[str]) -> str:
    return max(tones, key=TONES.index, default="")


def findings_tone(findings: Sequence[Finding]) -> str:
    return worst([tone_of(f.severity) for f in findings])
