"""Integer keys: an ORM's implicit autoincrement is not the author's intent when the other side has no sequence.

``Column(BigInteger, primary_key=True)`` makes ``create_all`` emit ``bigserial``: a sequence and
a ``nextval`` default. A bot that stores Telegram ids in that key never meant one, and its
migrations and live database rightly have none. Comparing them would say "expects
nextval(users_id_seq)" and offer ``CREATE SEQUENCE`` + ``SET DEFAULT`` on the live database.
When the models did not ask for autoincrement explicitly, that pair becomes one info finding
explaining ``autoincrement=False`` in the model's own style, with no SQL. Tortoise does the same
(every integer key is SERIAL unless ``generated=False``); Peewee and Django number only an
``AutoField``, which is asking for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from ..diff import Change, ColumnChange, SequenceChange, model_code
from ..findings import Finding, Severity

__all__ = ["AUTO_SUFFIX", "asks_for_sequence", "soften"]

AUTO_SUFFIX = "#autoincrement"
"""``attributes[qualname + AUTO_SUFFIX]``: ``auto`` (SQLAlchemy decides), ``explicit`` or ``off``, set by the models source."""


def _implicit(change: Change, attributes: Mapping[str, str]) -> bool:
    if not isinstance(change, ColumnChange) or change.kind != "default_mismatch":
        return False
    e, a = change.expected, change.actual
    if e is None or a is None or not (e.default or "").startswith("nextval("):
        return False
    return a.default is None and a.identity is None and attributes.get(change.object + AUTO_SUFFIX) == "auto"


def asks_for_sequence(change: Change, changes: Sequence[Change]) -> bool:
    """Whether ``change`` is a key's ``nextval`` default the models have and the other side lacks
    together with its sequence (also in ``changes``): the models ask for numbering the other side
    does not have. Models vs migrations, that is the models being ahead (a migration to write, or
    ``autoincrement=False``), not the models lagging."""
    if not isinstance(change, ColumnChange) or change.kind != "default_mismatch":
        return False
    e, a = change.expected, change.actual
    if e is None or a is None or not (e.default or "").startswith("nextval(") or a.default is not None:
        return False
    return any(
        isinstance(c, SequenceChange)
        and c.kind == "missing_sequence"
        and c.expected is not None
        and c.expected.owned_by == change.object
        for c in changes
    )


def soften(
    pairs: Sequence[tuple[Change, Finding]], attributes: Mapping[str, str], other: str
) -> list[tuple[Change, Finding]]:
    """``pairs`` (models on the expected side) with implicit-autoincrement keys said as info, no fix.

    ``other`` names the side without the sequence: ``the migrations``, ``the database``.
    """
    keys = {c.object for c, _ in pairs if _implicit(c, attributes)}
    if not keys:
        return list(pairs)
    out: list[tuple[Change, Finding]] = []
    for change, finding in pairs:
        if isinstance(change, SequenceChange) and change.kind == "missing_sequence":
            owner = change.expected.owned_by if change.expected else None
            if owner in keys:
                continue  # said once, on the column
        if change.object in keys and isinstance(change, ColumnChange) and change.kind == "default_mismatch":
            finding = _info(change, finding, attributes, other)
        out.append((change, finding))
    return out


def _info(change: ColumnChange, finding: Finding, attributes: Mapping[str, str], other: str) -> Finding:
    attribute = attributes.get(change.object)
    cls, _, attr = attribute.rpartition(".") if attribute else ("", "", change.object.rpartition(".")[2])
    style = model_code.style_of(attributes, change.object)
    keyword = attributes.get(change.object + model_code.PK_SUFFIX, "primary_key")
    model = model_code.integer_key(
        style, attr, change.expected.type if change.expected else "integer", keyword
    )
    where = f" in class {cls}" if cls else " in the model"
    if style == "tortoise":
        gives = "Tortoise makes an integer primary key SERIAL unless told generated=False"
        numbered = "keep generated=True in the model"
    else:
        gives = "SQLAlchemy gives an integer primary key a sequence unless told otherwise"
        numbered = "write autoincrement=True (or an Identity) in the model"
    return replace(
        finding,
        severity=Severity.INFO,
        fix_sql=None,
        message=(
            f"Key {change.object} has no sequence in {other}, and the models do not ask for one: {gives}. "
            "If the code supplies the ids (Telegram ids do), nothing is wrong."
        ),
        hint=(
            f"Say so in the model{where}: `{model}`. If the database should number the rows instead, "
            f"{numbered} and a migration that adds the sequence."
        ),
        evidence={**finding.evidence, "autoincrement": "implicit", "attribute": attribute},
    )
