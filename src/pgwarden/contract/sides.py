"""Findings that name their sources and fix the side that lags, with the least destructive statement.

The diff speaks of "the database" and "the code" and always fixes the live database. With
several sources that is wrong half the time: when the models lag behind the migrations the
live database is right, and SQL for it would undo what the migrations did. These functions
reword a finding for the two sides it compares and keep only a fix for the side that lags.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from psycopg import sql

from ..diff import Change, ColumnChange
from ..diff.live_fix import for_live
from ..findings import Finding, Severity
from .expected import alembic_heads

__all__ = ["from_source", "least_destructive", "model_side", "one_per_object"]

_WORDING = (
    (" in the database but the code expects ", " in {migrations} but the models expect "),
    (" in the database but the code allows ", " in {migrations} but the models allow "),
    (" in the database but not in the expected schema", " in {migrations} but not in the models"),
    (" exists in the database", " exists in {migrations}"),
    (" is expected but does not exist", " is in the models but no migration creates it"),
    (" but the code expects ", " but the models expect "),
    (" the expected schema says ", " the models say "),
)


_SOURCE_WORDING = (
    (" in the database but the code expects ", " in the database but {who} {has} "),
    (" in the database but the code allows ", " in the database but {who} {allows} "),
    (" in the database but not in the expected schema", " in the database but not in {who}"),
    (" is expected but does not exist", " is in {who} but not in the database"),
    (" is expected but the database has ", " is in {who} but the database has "),  # a rename
    (" but the code expects ", " but {who} {has} "),
    (" the expected schema says ", " {who} {says} "),
)

_PLURAL = {"has": "have", "allows": "allow", "says": "say"}


def _who(kind: str, label: str, heads: Sequence[str] = ()) -> str:
    if kind == "snapshot":
        return f"the snapshot {label}"
    if kind == "migrations":
        named = [] if label.rstrip("/") == "migrations" else [label]
        if heads:
            named.append(alembic_heads(heads))
        return f"the migrations ({', '.join(named)})" if named else "the migrations"
    if kind == "models":
        return f"the models ({label})"
    return label


def from_source(finding: Finding, kind: str, label: str, heads: Sequence[str] = ()) -> Finding:
    """A source-vs-live finding that names its source as it is (``the snapshot schema.json``, ``the
    migrations (migrations)``, ``the migrations (alembic.ini, Alembic head e2d8a1f4b905)``, ``the models
    (app.db:Base)``) instead of "the code", with the source (and an Alembic chain's heads) in its evidence."""
    message = finding.message
    who = _who(kind, label, heads)
    for old, new in _SOURCE_WORDING:
        if old in message:
            # "the migrations have", "the models allow"; "the snapshot schema.json has".
            plural = kind in ("migrations", "models")
            verbs = _PLURAL if plural else {v: v for v in _PLURAL}
            message = message.replace(old, new.format(who=who, **verbs))
            break
    evidence = {**finding.evidence, "where": f"{kind}_vs_live", "source": label}
    if heads:
        evidence["alembic_heads"] = list(heads)
    return replace(finding, message=message, evidence=evidence)


def model_side(finding: Finding, model_lags: bool, heads: Sequence[str] = ()) -> Finding:
    """A models-vs-migrations finding, worded with those names; a lagging model gets no live SQL.

    ``model_lags``: the migrations have it and the models do not, or have it otherwise. Then the
    live database (built by the migrations) is right and the fix is in the models. Otherwise the
    models are ahead and the fix SQL is the body of the migration to write. ``heads``: an Alembic
    chain's head revision(s), named beside "the migrations" and kept in the evidence.
    """
    message = finding.message
    migrations = _who("migrations", "migrations", heads)
    for old, new in _WORDING:
        message = message.replace(old, new.format(migrations=migrations))
    if heads:
        finding = replace(finding, evidence={**finding.evidence, "alembic_heads": list(heads)})
    if model_lags:
        attribute = finding.evidence.get("attribute")
        where = f" ({attribute})" if isinstance(attribute, str) and attribute else ""
        return replace(
            finding,
            message=message,
            fix_sql=None,
            hint=f"Change the model{where} to match the migrations; the live database needs nothing.",
            evidence={**finding.evidence, "lags": "models", "migration_sql": finding.fix_sql},
        )
    return replace(
        finding,
        message=message,
        hint="Write a migration with the fix SQL as its body (then `pgwarden migrate up`), or remove it from "
        "the model.",
        evidence={**finding.evidence, "lags": "migrations", "fix_is": "migration body"},
    )


def least_destructive(change: Change, finding: Finding, *, models_have_it: bool = False) -> Finding:
    """``_least_destructive``'s finding with its fix made safe to run on a live database (``live_fix``):
    timeouts, one transaction, CONCURRENTLY, NOT VALID then VALIDATE."""
    found = _least_destructive(change, finding, models_have_it=models_have_it)
    return replace(found, fix_sql=for_live(found.fix_sql)) if found.fix_sql else found


def _least_destructive(change: Change, finding: Finding, *, models_have_it: bool = False) -> Finding:
    """A live-side finding whose fix makes the code work without losing data or fighting the models.

    ``models_have_it``: the models are ahead of the migrations on this object, so live may be right
    and the migration is what lags: no SQL for live, the model-side finding carries the migration.
    A column only the live database has, NOT NULL without a default, makes the code's INSERTs fail:
    ``DROP NOT NULL`` fixes that and keeps every value. Dropping the column loses its data; it is
    named in the hint, never the fix.
    """
    if models_have_it:
        return replace(
            finding,
            fix_sql=None,
            hint="The models have it too and no migration does: write the migration that records it (the "
            "models-vs-migrations finding on this object carries its body); live needs nothing.",
            evidence={**finding.evidence, "lags": "migrations", "live_sql": finding.fix_sql},
        )
    if not isinstance(change, ColumnChange) or change.kind != "extra_column" or change.actual is None:
        return finding
    a = change.actual
    table = sql.Identifier(*change.table_qualname.split(".", 1))
    column = sql.Identifier(a.name)
    drop = sql.SQL("ALTER TABLE {} DROP COLUMN {};").format(table, column).as_string()
    blocks = not a.nullable and a.default is None and a.identity is None and a.generated is None
    if blocks:
        fix = sql.SQL("ALTER TABLE {} ALTER COLUMN {} DROP NOT NULL;").format(table, column).as_string()
        hint = (
            "The fix makes the code's INSERTs work and keeps every value. Then record the column in a "
            f"migration and the model, or, if nothing uses it, drop it (destructive, its data is lost): `{drop}`"
        )
    else:
        fix = None
        hint = (
            "The code works as it is. Record the column in a migration and the model, or, if nothing uses it, "
            f"drop it (destructive, its data is lost): `{drop}`"
        )
    return replace(finding, fix_sql=fix, hint=hint, evidence={**finding.evidence, "destructive_fix": drop})


def one_per_object(findings: Sequence[Finding]) -> list[Finding]:
    """One finding per object and code: a snapshot beside migrations or models says the same drift again.

    The first source's finding is kept (models and migrations come before a snapshot); the others'
    labels are listed in its evidence as ``also_in``.
    """
    kept: dict[tuple[str, str, str], int] = {}
    out: list[Finding] = []
    for finding in findings:
        where = str(finding.evidence.get("where", ""))
        if not (where.endswith("_vs_live") or where == "three_way"):
            out.append(finding)
            continue
        key = (finding.code, finding.object, "")
        index = kept.get(key)
        if index is None:
            kept[key] = len(out)
            out.append(finding)
            continue
        first = out[index]
        also = [*first.evidence.get("also_in", []), str(finding.evidence.get("source", where))]
        severity = min(first.severity, finding.severity, key=lambda s: s.rank)
        out[index] = replace(first, severity=Severity(severity), evidence={**first.evidence, "also_in": also})
    return out
