"""Where models, migrations and the live database disagree on one thing, one finding shows all three."""

from __future__ import annotations

from pgwarden.catalog.model import Column, Constraint, Schema, Table
from pgwarden.contract import Expected
from pgwarden.contract.expected import MODEL_OBJECT_TYPES
from pgwarden.orchestrator import CheckResult, compare

KEY = Constraint("t_pkey", "primary_key", "PRIMARY KEY (id)", columns=("id",))


def _schema(*columns: Column) -> Schema:
    id_ = Column("id", "bigint", nullable=False)
    return Schema(
        schemas=("public",), tables=(Table("public", "t", columns=(id_, *columns), constraints=(KEY,)),)
    )


def _compare(models: Schema, migrations: Schema, live: Schema) -> CheckResult:
    sources = [
        Expected(
            "app:Base", "models", models, attributes={"public.t.lang": "T.lang"}, covers=MODEL_OBJECT_TYPES
        ),
        Expected("migrations", "migrations", migrations),
    ]
    return compare(sources, live)


def test_a_column_the_models_and_live_have_and_no_migration_records_is_one_finding_for_the_migrations() -> (
    None
):
    with_lang = _schema(Column("lang", "text"))
    result = _compare(with_lang, _schema(), with_lang)
    [finding] = [f for f in result.findings if f.object == "public.t.lang"]
    assert finding.evidence["states"] == {"models": "present", "migrations": "absent", "live": "present"}
    assert finding.evidence["lags"] == "migrations"
    assert finding.fix_sql is None
    assert "ADD COLUMN" in finding.evidence["migration_sql"]
    assert "the models have it; the migrations do not have it" in finding.message
    assert "No migration records" in finding.message and "the live database has it" in finding.message
    assert result.fixable == []


def test_a_type_the_three_sides_disagree_on_is_one_finding_that_restores_the_migrations_on_live() -> None:
    result = _compare(
        _schema(Column("lang", "text")),
        _schema(Column("lang", "jsonb")),
        _schema(Column("lang", "character varying(10)")),
    )
    [finding] = [f for f in result.findings if f.object == "public.t.lang"]
    assert finding.evidence["states"] == {
        "models": "text",
        "migrations": "jsonb",
        "live": "character varying(10)",
    }
    assert finding.evidence["lags"] == ["models", "live"]
    assert finding.fix_sql is not None and "TYPE jsonb" in finding.fix_sql
    assert (
        "the models have text; the migrations have jsonb; the live database has character varying(10)"
        in finding.message
    )
    assert (
        "text" in finding.message
        and "jsonb" in finding.message
        and "character varying(10)" in finding.message
    )
    assert "change the model (T.lang) to what the migrations have" in finding.hint  # class.attr named
    assert [c.object for c in result.fixable] == ["public.t.lang"]


def test_a_type_changed_by_hand_in_live_and_the_models_gets_no_live_sql() -> None:
    result = _compare(
        _schema(Column("lang", "text")), _schema(Column("lang", "jsonb")), _schema(Column("lang", "text"))
    )
    [finding] = [f for f in result.findings if f.object == "public.t.lang"]
    assert finding.evidence["lags"] == "migrations"
    assert finding.fix_sql is None
    assert "TYPE text" in finding.evidence["migration_sql"]
    assert "TYPE jsonb" in finding.evidence["live_sql"]
    assert result.fixable == []


def test_a_finding_on_one_comparison_still_shows_the_three_states() -> None:
    result = _compare(
        _schema(Column("lang", "text")), _schema(Column("lang", "jsonb")), _schema(Column("lang", "jsonb"))
    )
    [finding] = result.findings
    assert finding.evidence["states"] == {"models": "text", "migrations": "jsonb", "live": "jsonb"}
    assert finding.evidence["lags"] == "models" and finding.fix_sql is None
    result = _compare(
        _schema(Column("lang", "text")), _schema(Column("lang", "text")), _schema(Column("lang", "jsonb"))
    )
    [finding] = result.findings
    assert finding.evidence["states"] == {"models": "text", "migrations": "text", "live": "jsonb"}
    assert finding.fix_sql is not None and "TYPE text" in finding.fix_sql


def test_an_alembic_chain_is_named_with_its_head_on_every_side_it_is_compared_on() -> None:
    sources = [
        Expected("app:Base", "models", _schema(Column("lang", "text")), covers=MODEL_OBJECT_TYPES),
        Expected("alembic.ini", "migrations", _schema(Column("lang", "jsonb")), heads=("e2d8a1f4b905",)),
    ]
    live = _schema(Column("lang", "character varying(10)"), Column("note", "text"))
    found = {f.object: f for f in compare(sources, live).findings}
    three = found["public.t.lang"]
    assert "the models have text; the migrations (Alembic head e2d8a1f4b905) have jsonb;" in three.message
    assert three.evidence["alembic_heads"] == ["e2d8a1f4b905"]
    assert found["public.t.note"].message.endswith(
        "exists in the database but not in the migrations (alembic.ini, Alembic head e2d8a1f4b905): the code "
        "ignores it."
    )
    model_only = compare(sources[:1] + [sources[1]], _schema(Column("lang", "jsonb"))).findings
    [lagging] = [f for f in model_only if f.object == "public.t.lang"]
    assert (
        "is jsonb in the migrations (Alembic head e2d8a1f4b905) but the models expect text" in lagging.message
    )
    assert lagging.evidence["alembic_heads"] == ["e2d8a1f4b905"]
