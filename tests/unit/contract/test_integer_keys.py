"""Integer keys and sequences, three ways: a key's numbering is never created on live by a fix."""

from __future__ import annotations

import pytest
from test_three_way_fixes import KEY, KEY_INDEX

from pgwarden.catalog.model import Column, Schema, Sequence, Table
from pgwarden.contract import Expected
from pgwarden.contract.expected import MODEL_OBJECT_TYPES
from pgwarden.contract.integer_keys import AUTO_SUFFIX
from pgwarden.diff import STYLE_SUFFIX
from pgwarden.diff.model_code import PK_SUFFIX
from pgwarden.findings import Finding, Severity
from pgwarden.orchestrator import compare

NEXTVAL = "nextval('public.t_id_seq'::regclass)"


def schema(numbered: bool) -> Schema:
    columns = (Column("id", "bigint", nullable=False, default=NEXTVAL if numbered else None),)
    sequences = (Sequence("public", "t_id_seq", "bigint", owned_by="public.t.id"),) if numbered else ()
    table = Table("public", "t", columns=columns, constraints=(KEY,), indexes=(KEY_INDEX,))
    return Schema(schemas=("public",), tables=(table,), sequences=sequences)


def check(
    autoincrement: str,
    live_numbered: bool,
    classic: bool = False,
    orm: str | None = None,
    extra: dict[str, str] | None = None,
) -> list[Finding]:
    attributes = {"public.t.id": "T.id", "public.t.id" + AUTO_SUFFIX: autoincrement, **(extra or {})}
    if classic:
        attributes["public.t.id#classic"] = "Column"
    if orm:
        attributes["public.t.id" + STYLE_SUFFIX] = orm
    sources = [
        Expected("app:Base", "models", schema(True), attributes=attributes, covers=MODEL_OBJECT_TYPES),
        Expected("migrations", "migrations", schema(False)),
    ]
    return compare(sources, schema(live_numbered)).findings


def test_a_model_asking_for_a_sequence_the_migrations_lack_gets_a_migration_to_write_never_live_sql() -> None:
    found = check("explicit", live_numbered=False)
    assert sorted(f.code for f in found) == ["PW108", "PW171"]
    for f in found:
        # One direction: the models are ahead, the migration is what to write (its body), live needs nothing.
        assert f.evidence["where"] == "models_vs_migrations" and f.evidence["lags"] == "migrations", f
        assert "Write a migration" in f.hint and "Change the model" not in f.hint
        assert f.evidence["fix_is"] == "migration body"
    [default] = [f for f in found if f.code == "PW108"]
    assert default.fix_sql and "SET DEFAULT nextval" in default.fix_sql


@pytest.mark.parametrize(
    ("classic", "style"), [(False, "mapped_column(BigInteger"), (True, "Column(BigInteger")]
)
def test_an_implicit_key_without_sequence_in_migrations_and_live_is_info_in_the_models_style(
    classic: bool, style: str
) -> None:
    [finding] = check("auto", live_numbered=False, classic=classic)
    assert (finding.severity, finding.fix_sql) == (Severity.INFO, None)
    assert style in finding.hint and "autoincrement=False" in finding.hint
    assert ("Mapped[int]" in finding.hint) is not classic


def test_an_implicit_tortoise_key_is_info_with_generated_false_and_no_sqlalchemy_words() -> None:
    [finding] = check("auto", live_numbered=False, orm="tortoise")
    assert (finding.severity, finding.fix_sql) == (Severity.INFO, None)
    assert "`id = fields.BigIntField(primary_key=True, generated=False)`" in finding.hint
    assert "Tortoise makes an integer primary key SERIAL" in finding.message
    said = finding.message + finding.hint
    assert not any(word in said for word in ("SQLAlchemy", "autoincrement", "mapped_column", "Column("))
    # Tortoise before 0.21 knows no primary_key= (it ignores it): the exporter says to write pk=True.
    [old] = check("auto", live_numbered=False, orm="tortoise", extra={"public.t.id" + PK_SUFFIX: "pk"})
    assert "`id = fields.BigIntField(pk=True, generated=False)`" in old.hint
