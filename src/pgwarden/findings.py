"""Finding: one thing that is wrong or worth knowing; sorting, counting, the exit code, batched writes.

Its renderings (text, json, github, sarif) are in ``formats``."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any


class Severity(str, enum.Enum):
    """How bad a finding is: ``error`` fails a check (exit 1), ``warning`` only with ``--strict``."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        # ``_value_``, not ``value`` (a descriptor call), and a dict made once: every report sorts by it
        return _RANKS[self._value_]


_RANKS = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Finding:
    """One thing that is wrong or worth knowing; every capability returns these (never raises them)."""

    code: str
    """Stable id documented in ``docs/codes/<code>.md`` (``PW101``)."""
    kind: str
    """snake_case name of the problem (``missing_column``) or a lint rule id."""
    severity: Severity
    object: str
    """Qualified name (``public.jobs.chat_id``) or ``path.sql:line:col``."""
    message: str
    hint: str = ""
    fix_sql: str | None = None
    source: str = "drift"
    evidence: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "kind": self.kind,
            "severity": self.severity.value,
            "object": self.object,
            "message": self.message,
            "hint": self.hint,
            "fix_sql": self.fix_sql,
            "source": self.source,
            "evidence": self.evidence,
        }


FORMATS = ("text", "json", "github", "sarif")


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.severity.rank, f.object, f.code))


def summarize(findings: Sequence[Finding]) -> dict[str, int]:
    counts = {s.value: 0 for s in Severity}
    for f in findings:
        counts[f.severity._value_] += 1  # not ``value``, a descriptor call (as ``rank`` says)
    return {"total": len(findings), **counts}


def exit_code(findings: Sequence[Finding], *, strict: bool = False) -> int:
    """0 clean, 1 when an error (or, with ``strict``, a warning) was found."""
    worst = {f.severity for f in findings}
    if Severity.ERROR in worst or (strict and Severity.WARNING in worst):
        return 1
    return 0


CHUNK = 1 << 16
"""Characters per write of a large report."""


def batches(pieces: Iterable[str]) -> Iterator[str]:
    """``pieces`` joined into strings of about ``CHUNK`` characters (the last one may be empty)."""
    batch: list[str] = []
    size = 0
    for piece in pieces:
        batch.append(piece)
        size += len(piece)
        if size >= CHUNK:
            yield "".join(batch)
            batch, size = [], 0
    yield "".join(batch)


def write_pieces(out: IO[str], pieces: Iterable[str]) -> None:
    """``pieces`` written in batches of about ``CHUNK`` characters.

    The CLI's stream redacts each completed line it is given: json.dump's few pieces per field
    made that cost seconds for thousands of findings, and one write of the whole report would hold
    several copies of it in memory while it is redacted and encoded.
    """
    for batch in batches(pieces):
        out.write(batch)
