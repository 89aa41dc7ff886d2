"""One finding per object and attribute when models, migrations and the live database disagree.

The three-way comparison is two diffs: models against migrations, migrations against live.
An object that differs in both used to be two findings, each seeing two sides, each with its
own fix: a column the models and live both have and no migration records was "write a
migration" beside "live has a column the migrations lack". Here the two become one finding
that shows what each of the three has and names the side that lags: the migrations when the
models and live agree (no live SQL, the migration body in the evidence), else live (the SQL
that restores the migrations' state) and the models (the change to make in them). Every other
three-way finding gets the three states in its evidence too. Pure: findings in, findings out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..diff import Change
from ..findings import Finding, Severity
from .expected import alembic_heads

__all__ = ["Merged", "merge"]

SIDES = ("models", "migrations", "live")
_ABSENT = "absent"
_PRESENT = "present"


@dataclass
class Merged:
    """The three-way findings, and the live changes ``--fix`` must leave alone (the migrations lag)."""

    findings: list[Finding]
    not_live: set[str]
    """Objects whose live change is not to be fixed on live: models and live agree."""


def _family(kind: str) -> str | None:
    """What about the object a finding is: its existence, or one attribute; ``None`` is never merged."""
    if kind == "probable_rename":
        return None
    if kind.startswith(("missing_", "extra_")):
        return "exists"
    return kind


def _sides(change: Change, finding: Finding) -> tuple[Any, Any]:
    """(expected side's state, actual side's state) of one two-way finding."""
    if change.kind.startswith("missing_"):
        return _PRESENT, _ABSENT
    if change.kind.startswith("extra_"):
        return _ABSENT, _PRESENT
    return finding.evidence.get("expected"), finding.evidence.get("actual")


def _phrase(value: Any, plural: bool) -> str:
    """What one side has, as the rest of a sentence: ``have jsonb``, ``does not have it``..."""
    have, does, allow, say = ("have", "do", "allow", "say") if plural else ("has", "does", "allows", "says")
    if value == _PRESENT:
        return f"{have} it"
    if value == _ABSENT:
        return f"{does} not have it"
    if isinstance(value, dict) and set(value) == {"nullable"}:
        return f"{allow} NULL" if value["nullable"] else f"{say} NOT NULL"
    if value is None:
        return f"{have} none"
    if isinstance(value, list):
        return f"{have} " + ", ".join(map(str, value))
    if isinstance(value, str):
        return f"{have} {value}"
    return f"{have} " + json.dumps(value, sort_keys=True, default=str)


def _worse(a: Severity, b: Severity) -> Severity:
    return a if a.rank <= b.rank else b


def _one(
    model: tuple[Change, Finding], live: tuple[Change, Finding], attributes: Mapping[str, str]
) -> tuple[Finding, bool]:
    """The merged finding, and whether the migrations are the side that lags (no live SQL then)."""
    (mc, mf), (lc, lf) = model, live
    in_models, in_migrations = _sides(mc, mf)
    in_live = _sides(lc, lf)[1]
    states = {"models": in_models, "migrations": in_migrations, "live": in_live}
    heads = lf.evidence.get("alembic_heads") or mf.evidence.get("alembic_heads")
    names = {
        "models": "models",
        "migrations": f"migrations ({alembic_heads(heads)})" if heads else "migrations",
        "live": "live database",
    }
    shown = "; ".join(f"the {names[side]} {_phrase(states[side], side != 'live')}" for side in SIDES)
    subject = mf.object
    migration_sql = mf.fix_sql or mf.evidence.get("migration_sql")
    evidence: dict[str, Any] = {
        **lf.evidence,
        **{k: v for k, v in mf.evidence.items() if k not in lf.evidence},
        "where": "three_way",
        "states": states,
        "merged": [mf.code, lf.code],
    }
    severity = _worse(mf.severity, lf.severity)
    if in_models == in_live and in_live != _ABSENT:
        evidence.update(
            lags="migrations", migration_sql=migration_sql, live_sql=lf.fix_sql or lf.evidence.get("live_sql")
        )
        return replace(
            mf,
            severity=severity,
            message=f"No migration records what the models and the live database agree on for {subject}: {shown}.",
            hint="Write the migration that records it (its body is evidence.migration_sql); the models and "
            "the live database need nothing.",
            fix_sql=None,
            evidence=evidence,
        ), True
    lagging = [side for side in ("models", "live") if states[side] != in_migrations]
    evidence.update(lags=lagging[0] if len(lagging) == 1 else lagging, migration_sql=migration_sql)
    model_part = (
        f" and change the model{_where(mf, attributes)} to what the migrations have"
        if "models" in lagging
        else ""
    )
    return replace(
        lf,
        severity=severity,
        message=f"The models, the migrations and the live database disagree on {subject}: {shown}.",
        hint="The migrations are the reference: bring the live database to them (`pgwarden migrate up` if a "
        f"migration is pending, else the fix SQL){model_part}.",
        evidence=evidence,
    ), False


def _where(finding: Finding, attributes: Mapping[str, str]) -> str:
    """`` (Class.attr)`` of the model attribute the finding is about, when it is known."""
    attribute = finding.evidence.get("attribute") or attributes.get(finding.object)
    return f" ({attribute})" if isinstance(attribute, str) and attribute else ""


def merge(
    model_items: Sequence[tuple[Change, Finding]],
    live_items: Sequence[tuple[Change, Finding]],
    *,
    models_cover: frozenset[str] | set[str],
    attributes: Mapping[str, str] | None = None,
) -> Merged:
    """Model-side and live-side findings as one list, one finding per object and attribute.

    ``attributes`` (``schema.table.column`` -> ``Class.attr``) name the model attribute to change."""
    by_key: dict[tuple[str, str], tuple[Change, Finding]] = {}
    for change, finding in model_items:
        family = _family(change.kind)
        if family is not None:
            by_key.setdefault((change.object, family), (change, finding))
    live_keys = {(c.object, f) for c, _ in live_items if (f := _family(c.kind)) is not None}
    out: list[Finding] = []
    for change, finding in model_items:  # the models-vs-migrations findings first, as before
        family = _family(change.kind)
        key = (change.object, family or "")
        if family is not None and key in live_keys and by_key[key][1] is finding:
            continue  # merged below, where the live side comes
        expected, actual = _sides(change, finding)
        states = {"models": expected, "migrations": actual, "live": actual}
        out.append(replace(finding, evidence={**finding.evidence, "states": states}))
    used: set[tuple[str, str]] = set()
    not_live: set[str] = set()
    for change, finding in live_items:
        family = _family(change.kind)
        key = (change.object, family or "")
        model = by_key.get(key) if family is not None else None
        if model is None or key in used:
            expected, actual = _sides(change, finding)
            models = expected if change.object_type in models_cover else "not described"
            states = {"models": models, "migrations": expected, "live": actual}
            out.append(replace(finding, evidence={**finding.evidence, "states": states}))
            continue
        used.add(key)
        one, migrations_lag = _one(model, (change, finding), attributes or {})
        if migrations_lag:
            not_live.add(change.object)
        out.append(one)
    return Merged(out, not_live)
