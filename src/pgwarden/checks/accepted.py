"""Accepted drift: a reviewed file of findings that were already there, so only new drift blocks.

``pgwarden check --accept`` writes today's schema findings to the file (like a
linter's baseline); from then on ``check``, CI and the runtime's schema gate
report those as accepted (info) and block only on drift that is new, or on an
accepted object whose state changed since. An accepted finding that is gone is
said once, so the file shrinks as the drift is fixed.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .. import codes
from ..errors import ConfigError
from ..findings import Finding, Severity
from ..paths import show_path

__all__ = ["ACCEPTABLE_SOURCES", "DEFAULT_NAME", "Accepted", "apply", "read", "write"]

DEFAULT_NAME = "pgwarden-accepted.json"
FORMAT = 1
ACCEPTABLE_SOURCES = frozenset({"drift", "migrate"})
"""Schema findings. Invariants, instances and backups describe the running service, not drift."""

# Evidence that says how a finding is worded or where it was seen, not what the object's state is.
# Whether a fix was verified on a scratch copy is how ``check`` judged it, not the object's state:
# the schema gate does not verify, and must see the same state ``check --accept`` recorded.
_NOT_STATE = frozenset(
    {
        "diagnosis",
        "source",
        "alembic_heads",  # a new revision elsewhere does not change what an accepted finding says
        "accepted",
        "accepted_in",
        "changed_since_accepted",
        "fix_verified",
        "unverified_fix_sql",
        "verify_error",
    }
)


@dataclass(frozen=True)
class Accepted:
    """One accepted finding: which object, as seen by which comparison, in which state."""

    code: str
    object: str
    where: str
    state: str
    message: str = ""
    """For the reviewer of the file only; rewording a message changes nothing."""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.code, self.object, self.where)


def _key(finding: Finding) -> tuple[str, str, str]:
    return (finding.code, finding.object, str(finding.evidence.get("where", "")))


def state_of(finding: Finding) -> str:
    """A short digest of what the finding says about the object (expected vs actual, the fix)."""
    facts = {k: v for k, v in finding.evidence.items() if k not in _NOT_STATE}
    fix = finding.fix_sql or finding.evidence.get("unverified_fix_sql")
    text = json.dumps([finding.kind, facts, fix], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def acceptable(finding: Finding) -> bool:
    return finding.source in ACCEPTABLE_SOURCES and finding.severity is not Severity.INFO


def read(path: Path) -> list[Accepted] | None:
    """The accepted findings in ``path``, ``None`` when there is no such file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Cannot read the accepted-drift file {show_path(path)}: {exc}.") from None
    except ValueError as exc:
        raise ConfigError(
            f"The accepted-drift file {show_path(path)} is not valid JSON ({exc}); fix it or write it "
            "again with `pgwarden check --accept`."
        ) from None
    try:
        if data["format"] != FORMAT:
            raise ValueError(data["format"])
        return [
            Accepted(
                str(e["code"]),
                str(e["object"]),
                str(e.get("where", "")),
                str(e["state"]),
                str(e.get("message", "")),
            )
            for e in data["accepted"]
        ]
    except (KeyError, TypeError, ValueError):
        raise ConfigError(
            f"The accepted-drift file {show_path(path)} is not one pgwarden wrote (format {FORMAT}); "
            "write it again with `pgwarden check --accept`."
        ) from None


def write(path: Path, findings: Iterable[Finding]) -> list[Accepted]:
    """Record every acceptable finding in ``path`` (sorted, one per line, for a readable review)."""
    entries = sorted(
        {
            Accepted(f.code, f.object, k[2], state_of(f), f.message)
            for f in findings
            if acceptable(f)
            for k in [_key(f)]
        },
        key=lambda a: (a.object, a.code, a.where),
    )
    lines = [
        json.dumps(
            {"code": a.code, "object": a.object, "where": a.where, "state": a.state, "message": a.message},
            ensure_ascii=False,
        )
        for a in entries
    ]
    body = ",\n    ".join(lines)
    text = (
        f'{{\n  "format": {FORMAT},\n  "accepted": [\n    {body}\n  ]\n}}\n'
        if lines
        else (f'{{\n  "format": {FORMAT},\n  "accepted": []\n}}\n')
    )
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temp.write_text(text, encoding="utf-8")
        temp.replace(path)
    except OSError as exc:
        raise ConfigError(
            f"Cannot write the accepted-drift file {show_path(path)}: {exc.strerror or exc}."
        ) from None
    return entries


def apply(findings: Sequence[Finding], accepted: Sequence[Accepted], path: Path) -> list[Finding]:
    """``findings`` with the accepted ones turned into info, changed ones marked, gone ones said."""
    by_key = {a.key: a for a in accepted}
    seen: set[tuple[str, str, str]] = set()
    name = show_path(path)
    out: list[Finding] = []
    for finding in findings:
        entry = by_key.get(_key(finding)) if acceptable(finding) else None
        if entry is None:
            out.append(finding)
            continue
        seen.add(entry.key)
        if entry.state == state_of(finding):
            out.append(
                replace(
                    finding,
                    severity=Severity.INFO,
                    message=f"Accepted in {name}: {finding.message}",
                    evidence={
                        **finding.evidence,
                        "accepted": True,
                        "accepted_severity": finding.severity.value,
                    },
                )
            )
        else:
            out.append(
                replace(
                    finding,
                    message=f"{finding.message} (changed since it was accepted in {name})",
                    evidence={**finding.evidence, "changed_since_accepted": True},
                )
            )
    gone = [a for a in accepted if a.key not in seen]
    if gone:
        out.append(_gone(gone, name))
    return out


def _gone(gone: Sequence[Accepted], name: str) -> Finding:
    shown = ", ".join(f"{a.code} {a.object}" for a in gone[:5])
    more = f" and {len(gone) - 5} more" if len(gone) > 5 else ""
    return codes.finding(
        "accepted_drift_gone",
        name,
        f"{len(gone)} accepted finding(s) in {name} no longer occur: {shown}{more}.",
        "Run `pgwarden check --accept` to write the file again without them, and commit it.",
        source="drift",
        evidence={"gone": [{"code": a.code, "object": a.object, "where": a.where} for a in gone]},
    )


def summary(findings: Sequence[Finding]) -> dict[str, Any]:
    """How many findings are accepted and how many changed since, for the JSON output."""
    return {
        "accepted": sum(1 for f in findings if f.evidence.get("accepted")),
        "changed_since_accepted": sum(1 for f in findings if f.evidence.get("changed_since_accepted")),
    }
