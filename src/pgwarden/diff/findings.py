"""``to_findings(changes)``: each change as a Finding with a message, a hint, a fix and evidence."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .. import codes
from ..findings import Finding, Severity
from ._messages import describe
from ._severity import severity
from .changes import Change, EnumChange


def to_findings(changes: Sequence[Change], *, attributes: Mapping[str, str] | None = None) -> list[Finding]:
    """One drift finding per change, in the order of ``changes``.

    ``attributes`` maps ``schema.table.column`` to ``ModelClass.attr`` for SQLAlchemy
    models, so a rename's hint can name the attribute to map to the existing column.
    """
    if not changes:
        return []
    from .render import fix_sql  # the renderer and its planner: only when there is something to fix

    attrs = attributes or {}
    out = []
    for change in changes:
        code = codes.for_kind(change.kind)
        level: Severity = severity(change, code.severity)
        message, hint, evidence = describe(change, attrs)
        out.append(
            Finding(
                code=code.code,
                kind=change.kind,
                severity=level,
                object=change.object,
                message=message,
                hint=hint,
                fix_sql=None if _fixed_in_the_code(change) else fix_sql(change),
                source="drift",
                evidence=_plain(evidence),
            )
        )
    return out


def _fixed_in_the_code(change: Change) -> bool:
    """A change whose fix is in the code, not the database: labels only the database's enum has."""
    return isinstance(change, EnumChange) and bool(change.extra_labels)


def _plain(value: Any) -> Any:
    """JSON values only: tuples become lists, mappings plain dicts."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
