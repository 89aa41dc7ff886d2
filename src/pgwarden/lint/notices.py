"""The findings the lint engine emits itself, not a rule: unused ignores, down parts, unlintable files.

Their codes are in ``engine.ENGINE_CODES`` and documented in docs/rules/ like the rules'.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..findings import Finding, Severity
from .ignores import Ignore, valid_id
from .locator import Locator
from .rules import RULES_BY_ID

__all__ = ["down_part", "file_problem", "unused_ignores"]


def unused_ignores(ignores: Iterable[Ignore], active: set[str], locator: Locator) -> list[Finding]:
    found: list[Finding] = []
    for ig in ignores:
        if ig.used:
            continue
        if not ig.rule or not valid_id(ig.rule) or ig.rule not in RULES_BY_ID:
            what = f"`{ig.rule}` is not a pgwarden rule" if ig.rule else "it names no rule"
            message = f"This ignore comment has no effect: {what}."
            hint = (
                "Write `-- pgwarden:ignore <rule-id> -- reason`; `pgwarden lint --list-rules` shows the ids."
            )
        elif ig.rule not in active:
            continue
        else:
            scope = "this file" if ig.file_wide else "the statement it annotates"
            message = f"`{ig.rule}` is ignored but does not fire on {scope}."
            hint = "Remove the ignore comment so it cannot hide a future problem."
        found.append(
            Finding(
                code="unused-ignore",
                kind="unused-ignore",
                severity=Severity.WARNING,
                object=locator.object(ig.offset),
                message=message,
                hint=hint,
                source="lint",
                evidence=locator.evidence(ig.offset, None),
            )
        )
    return found


def down_part(path: str, tool: str, line: int) -> Finding:
    return Finding(
        code="down-part",
        kind="down-part",
        severity=Severity.INFO,
        object=f"{path}:{line}:1",
        message=f"From line {line} on, this {tool} file holds a down (rollback) part: not linted, never run.",
        hint="Nothing to do: `pgwarden migrate up` runs the up part only.",
        source="lint",
        evidence={"tool": tool, "line": line},
    )


def file_problem(path: str, message: str, code: str = "unreadable-file") -> Finding:
    return Finding(
        code=code,
        kind=code,
        severity=Severity.ERROR,
        object=f"{path}:1:1",
        message=message,
        hint="Fix the file so it can be linted; other files were still checked.",
        source="lint",
        evidence={},
    )
