"""Lint Alembic revisions: every rule on the SQL each revision emits, findings at the revision's ``op.*`` line."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from ..findings import Finding
from ..migrate.alembic_scripts import load_chain
from ..migrate.alembic_sql import emitted
from ..migrate.source import show_path
from .alembic_hints import alembic_hint
from .engine import Settings, lint_text
from .model import TableFacts

__all__ = ["lint_alembic"]

_PLACE = re.compile(r"^(?P<path>.*):(?P<line>\d+):(?P<column>\d+)$")


def lint_alembic(
    where: Path,
    settings: Settings,
    *,
    start: tuple[str, ...] = (),
    tables: Mapping[str, TableFacts] | None = None,
    to: tuple[str, ...] | None = None,
) -> list[Finding]:
    """Findings for the revisions of the Alembic environment at ``where`` after ``start`` (a database's
    revisions; none: every revision) up to ``to`` (revision ids, included; none: the heads), in chain
    order; ``tables``: that database's tables and rows."""
    found: list[Finding] = []
    for revision in emitted(load_chain(where), start, to):
        shown = show_path(revision.revision.path)
        lines: list[tuple[int, int]] = []  # (first line in the generated text, line of the op call)
        parts: list[str] = []
        at = 1
        for op_line, statement in revision.statements:
            # `op.execute("...;")` gets Alembic's terminator too: one is enough.
            text = statement.rstrip().rstrip(";").rstrip() + ";"
            lines.append((at, op_line))
            parts.append(text)
            at += text.count("\n") + 2
        if not parts:
            continue
        source = revision.revision.path.read_text(encoding="utf-8", errors="replace").splitlines()
        for finding in lint_text(shown, "\n\n".join(parts) + "\n", settings, tables):
            found.append(_placed(finding, shown, lines, revision.revision.id, source))
    return found


def _placed(
    finding: Finding, shown: str, lines: list[tuple[int, int]], revision: str, source: list[str]
) -> Finding:
    """The finding pointed at the revision file and its operation's line, never at generated SQL."""
    finding = replace(finding, hint=alembic_hint(finding.code, finding.hint))
    match = _PLACE.match(finding.object)
    if match is None:
        return replace(finding, object=shown, evidence={**finding.evidence, "revision": revision})
    line = int(match["line"])
    op_line = next((op for first, op in reversed(lines) if first <= line), lines[0][1])
    text = source[op_line - 1] if 0 < op_line <= len(source) else ""
    column = len(text) - len(text.lstrip()) + 1
    evidence = {**finding.evidence, "revision": revision, "sql_line": line, "line": op_line, "column": column}
    evidence["source_line"] = text
    return replace(finding, object=f"{shown}:{op_line}:{column}", evidence=evidence)
