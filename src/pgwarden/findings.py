"""Finding: one thing that is wrong or worth knowing, and its renderings (text, json, github, sarif)."""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from . import __version__


class Severity(str, enum.Enum):
    """How bad a finding is: ``error`` fails a check (exit 1), ``warning`` only with ``--strict``."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


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
        counts[f.severity.value] += 1
    return {"total": len(findings), **counts}


def exit_code(findings: Sequence[Finding], *, strict: bool = False) -> int:
    """0 clean, 1 when an error (or, with ``strict``, a warning) was found."""
    worst = {f.severity for f in findings}
    if Severity.ERROR in worst or (strict and Severity.WARNING in worst):
        return 1
    return 0


def render(
    findings: Sequence[Finding],
    fmt: str,
    out: IO[str],
    *,
    color: bool | None = None,
    title: str = "",
    extra: dict[str, Any] | None = None,
) -> None:
    """Write ``findings`` to ``out`` in format ``fmt`` (one of ``FORMATS``)."""
    ordered = sort_findings(findings)
    if fmt == "json":
        doc: dict[str, Any] = {"findings": [f.to_dict() for f in ordered], "summary": summarize(ordered)}
        if extra:
            doc.update(extra)
        write_pieces(out, json.JSONEncoder(indent=2, default=str).iterencode(doc))
        out.write("\n")
    elif fmt == "github":
        _render_github(ordered, out)
    elif fmt == "sarif":
        write_pieces(out, json.JSONEncoder(indent=2).iterencode(to_sarif(ordered)))
        out.write("\n")
    else:
        from ._text import render_text

        render_text(ordered, out, color=color, title=title)


CHUNK = 1 << 16
"""Characters per write of a large report."""


def write_pieces(out: IO[str], pieces: Iterable[str]) -> None:
    """``pieces`` written in batches of about ``CHUNK`` characters.

    The CLI's stream redacts each completed line it is given: json.dump's few pieces per field
    made that cost seconds for thousands of findings, and one write of the whole report would hold
    several copies of it in memory while it is redacted and encoded.
    """
    batch: list[str] = []
    size = 0
    for piece in pieces:
        batch.append(piece)
        size += len(piece)
        if size >= CHUNK:
            out.write("".join(batch))
            batch, size = [], 0
    out.write("".join(batch))


def _gh_escape(text: str, *, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def _location(obj: str) -> tuple[str, int | None, int | None] | None:
    """``path.sql:3:7`` -> (path, 3, 7); ``None`` for database object names."""
    parts = obj.rsplit(":", 2)
    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        return parts[0], int(parts[1]), int(parts[2])
    if len(parts) >= 2 and parts[-1].isdigit():
        return ":".join(parts[:-1]), int(parts[-1]), None
    return None


def _render_github(findings: Sequence[Finding], out: IO[str]) -> None:
    level = {"error": "error", "warning": "warning", "info": "notice"}
    for f in findings:
        props = [f"title={_gh_escape(f'{f.code} {f.kind} {f.object}', prop=True)}"]
        loc = _location(f.object)
        if loc:
            props.insert(0, f"file={_gh_escape(loc[0], prop=True)}")
            if loc[1]:
                props.insert(1, f"line={loc[1]}")
            if loc[2]:
                props.insert(2, f"col={loc[2]}")
        body = f.message + (f" Hint: {f.hint}" if f.hint else "")
        if f.fix_sql:
            body += f"\nFix: {f.fix_sql}"
        out.write(f"::{level[f.severity.value]} {','.join(props)}::{_gh_escape(body)}\n")


def to_sarif(findings: Sequence[Finding]) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one run; rules are the distinct finding codes."""
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for f in findings:
        rules.setdefault(
            f.code,
            {
                "id": f.code,
                "name": f.kind,
                "shortDescription": {"text": f.kind.replace("_", " ")},
                "help": {"text": f"See pgwarden's documentation: {_docs_page(f)}."},
                "defaultConfiguration": {"level": _sarif_level(f.severity)},
            },
        )
        result: dict[str, Any] = {
            "ruleId": f.code,
            "level": _sarif_level(f.severity),
            "message": {"text": f.message + (f" {f.hint}" if f.hint else "")},
            "properties": {"kind": f.kind, "object": f.object, "source": f.source},
        }
        if f.fix_sql:
            result["properties"]["fix_sql"] = f.fix_sql
        loc = _location(f.object)
        if loc:
            region = {k: v for k, v in (("startLine", loc[1]), ("startColumn", loc[2])) if v}
            physical: dict[str, Any] = {"artifactLocation": {"uri": loc[0]}}
            if region:
                physical["region"] = region
            result["locations"] = [{"physicalLocation": physical}]
        else:
            result["locations"] = [{"logicalLocations": [{"fullyQualifiedName": f.object}]}]
        results.append(result)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "pgwarden",
                        "version": __version__,
                        "rules": list(rules.values()),
                    }
                },
                "results": results,
            }
        ],
    }


def _docs_page(f: Finding) -> str:
    """Lint rules are documented under docs/rules/, finding codes under docs/codes/."""
    return f"docs/rules/{f.code}.md" if f.source == "lint" else f"docs/codes/{f.code}.md"


def _sarif_level(sev: Severity) -> str:
    return {"error": "error", "warning": "warning", "info": "note"}[sev.value]
