"""Configuration: discovery, validation errors that name file and key, flag overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgwarden.config import find_config, load, parse
from pgwarden.errors import ConfigError, UsageError
from pgwarden.expectations import ExpectTrigger


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path: Path) -> None:
    cfg = load(cwd=tmp_path)
    assert cfg.path is None
    assert cfg.database_url_env == "DATABASE_URL"
    assert cfg.schemas == () and not cfg.expect


def test_pgwarden_toml_found_in_a_parent(tmp_path: Path) -> None:
    write(
        tmp_path / "pgwarden.toml",
        """
models = "app.db:Base"
migrations = "db/migrations"
snapshot = "schema.json"
schemas = ["public"]
ignore = ["public.legacy_*"]
database_url_env = "BOT_DB"

[[expect.triggers]]
table = "bookings"
name = "booking_create_chat"

[[expect.functions]]
name = "create_chat_on_booking_active"
""",
    )
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    cfg = load(cwd=deep)
    assert cfg.path == tmp_path / "pgwarden.toml"
    assert cfg.models == "app.db:Base"
    assert cfg.migrations == (tmp_path / "db" / "migrations").resolve()
    assert cfg.snapshot == (tmp_path / "schema.json").resolve()
    assert cfg.expect.triggers == (ExpectTrigger(table="bookings", name="booking_create_chat"),)
    assert cfg.expect.functions[0].name == "create_chat_on_booking_active"
    assert cfg.database_url_env == "BOT_DB"


def test_pyproject_section(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "bot"\n\n[tool.pgwarden]\nmodels = "bot.models:Base"\n',
    )
    assert find_config(tmp_path) == tmp_path / "pyproject.toml"
    assert load(cwd=tmp_path).models == "bot.models:Base"


def test_pyproject_without_section_is_skipped(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "bot"\n')
    assert find_config(tmp_path) is None or find_config(tmp_path) != tmp_path / "pyproject.toml"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('modles = "a:b"', "unknown key `modles`"),
        ("schemas = 'public'", "`schemas` must be a list"),
        ("schemas = [1]", "`schemas[0]` must be a string"),
        ('models = "no colon"', "`models` must be `module:attribute`"),
        ("connect_timeout = -1", "`connect_timeout` must be a positive"),
        ("[[expect.trigers]]\ntable='t'\nname='x'", "unknown section `expect.trigers`"),
        ("[[expect.triggers]]\nname='x'", "`expect.triggers[0]` needs `table`"),
        (
            "[[expect.triggers]]\ntable='t'\nname='x'\nenabled='yes'",
            "`expect.triggers[0].enabled` must be true or false",
        ),
        ("[[expect.triggers]]\ntable='t'\nname='x'\ncolour='red'", "unknown key `expect.triggers[0].colour`"),
        ("models = ", "is not valid TOML"),
        (
            "[[expect.triggers]]\ntable='t'\nname='x'\ntiming='during'",
            "`expect.triggers[0].timing` must be one of",
        ),
        ("[[expect.triggers]]\ntable='t'\nname='x'\nevents=['insert','upsert']", "got 'upsert'"),
        (
            "[[expect.constraints]]\ntable='t'\nname='x'\nkind='fk'",
            "`expect.constraints[0].kind` must be one of",
        ),
    ],
)
def test_errors_name_the_file_and_key(tmp_path: Path, text: str, needle: str) -> None:
    path = write(tmp_path / "pgwarden.toml", text)
    with pytest.raises(ConfigError) as err:
        load(cwd=tmp_path)
    assert str(path) in str(err.value)
    assert needle in str(err.value)
    assert err.value.exit_code == 2


def test_pyproject_errors_use_the_full_key(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.pgwarden]\nmigrations = 3\n")
    with pytest.raises(ConfigError, match=r"`tool\.pgwarden\.migrations` must be a string"):
        load(cwd=tmp_path)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load(tmp_path / "nope.toml")


def test_flags_override_the_file(tmp_path: Path) -> None:
    write(tmp_path / "pgwarden.toml", 'models = "a:b"\n')
    cfg = load(cwd=tmp_path).with_overrides(models="c:d", migrations=str(tmp_path / "m"), dev_url=None)
    assert cfg.models == "c:d"
    assert cfg.migrations == (tmp_path / "m").resolve()


def test_database_url_from_flag_or_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "pgwarden.toml", 'database_url_env = "BOT_DB"\n')
    cfg = load(cwd=tmp_path)
    monkeypatch.delenv("BOT_DB", raising=False)
    with pytest.raises(UsageError, match="BOT_DB"):
        cfg.db_url()
    monkeypatch.setenv("BOT_DB", "postgresql://bot:pw@db/app")
    assert cfg.db_url() == "postgresql://bot:pw@db/app"
    assert cfg.with_overrides(database_url="postgres://x@y/z").db_url() == "postgres://x@y/z"


def test_other_capabilities_sections_are_accepted(tmp_path: Path) -> None:
    write(tmp_path / "pgwarden.toml", '[[invariants]]\nname = "x"\ncheck = "select 1"\n')
    cfg = load(cwd=tmp_path)
    assert cfg.path == tmp_path / "pgwarden.toml"
    assert cfg.sections == {"invariants": [{"name": "x", "check": "select 1"}]}


def test_choices_are_normalised(tmp_path: Path) -> None:
    write(
        tmp_path / "pgwarden.toml",
        "[[expect.triggers]]\ntable='t'\nname='x'\ntiming='INSTEAD_OF'\nevents=['Insert']\n"
        "[[expect.constraints]]\ntable='t'\nname='c'\nkind='Foreign Key'\n",
    )
    cfg = load(cwd=tmp_path)
    assert cfg.expect.triggers[0].timing == "instead of"
    assert cfg.expect.triggers[0].events == ("insert",)
    assert cfg.expect.constraints[0].kind == "foreign_key"


def test_a_capability_table_is_checked_for_unknown_keys_and_shape(tmp_path: Path) -> None:
    from pgwarden.config import parse

    file = tmp_path / "pyproject.toml"
    cfg = parse({"backup": {"dir": "b", "kep": 3}, "lint": "strict"}, file=file, prefix="tool.pgwarden.")
    assert cfg.table("runtime", ["ttl"]) == {}
    with pytest.raises(
        ConfigError,
        match=r"unknown key `tool\.pgwarden\.backup\.kep` \(did you mean `tool\.pgwarden\.backup\.keep`\?\); known: dir, keep",
    ):
        cfg.table("backup", ["keep", "dir"])
    with pytest.raises(
        ConfigError, match=r"`tool\.pgwarden\.lint` must be a table \(\[tool\.pgwarden\.lint\]\)"
    ):
        cfg.table("lint", [])
    assert cfg.table("backup", ["dir", "kep"]) == {"dir": "b", "kep": 3}


def test_every_unknown_key_is_named_at_once_with_the_nearest_known_one(tmp_path: Path) -> None:
    from pgwarden.config import parse

    file = tmp_path / "pgwarden.toml"
    with pytest.raises(ConfigError) as caught:
        parse({"migratons": "m", "modles": "a:b", "zzz": 1}, file=file)
    text = str(caught.value)
    assert "`migratons` (did you mean `migrations`?)" in text
    assert "`modles` (did you mean `models`?)" in text
    assert "`zzz`" in text and "zzz` (did" not in text
    assert len(text.splitlines()) == 1


def test_a_typo_in_runtime_fails_every_command_that_reads_the_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from pgwarden.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "pgwarden.toml").write_text('migrations = "m"\n\n[runtime]\nttll = 3\n')
    (tmp_path / "m").mkdir()
    for argv in (["check", "--db", "postgresql://u@127.0.0.1:1/x"], ["lint", "m"], ["migrate", "status"]):
        err = io.StringIO()
        assert main(argv, io.StringIO(), err) == 2, argv
        assert "`runtime.ttll` (did you mean `runtime.ttl`?)" in err.getvalue(), argv


def test_direct_url_serves_migrations_the_lease_and_backups(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot@pooler:6543/app")
    monkeypatch.setenv("DIRECT_URL", "postgresql://bot@db:5432/app")
    cfg = parse({"database_url_env": "DATABASE_URL"}, file=tmp_path / "pgwarden.toml")
    assert cfg.db_url() == "postgresql://bot@pooler:6543/app"
    assert cfg.direct_db_url() == "postgresql://bot@db:5432/app"
    assert cfg.with_overrides(database_url="postgresql://x@h/d").direct_db_url() == "postgresql://x@h/d"
    monkeypatch.delenv("DIRECT_URL")
    assert cfg.direct_db_url() == "postgresql://bot@pooler:6543/app"
    named = parse({"direct_url_env": "SUPABASE_DIRECT"}, file=tmp_path / "pgwarden.toml")
    monkeypatch.setenv("SUPABASE_DIRECT", "postgresql://bot@direct/app")
    assert named.direct_db_url() == "postgresql://bot@direct/app"


def test_an_alembic_ini_beside_is_the_migration_source_when_none_is_configured(tmp_path: Path) -> None:
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n", encoding="utf-8")
    assert load(cwd=tmp_path).migrations == (tmp_path / "alembic.ini").resolve()  # no config at all
    (tmp_path / "pgwarden.toml").write_text('models = "bot.db:Base"\n', encoding="utf-8")
    assert load(cwd=tmp_path).migrations == (tmp_path / "alembic.ini").resolve()
    (tmp_path / "pgwarden.toml").write_text('migrations = "sql"\n', encoding="utf-8")
    assert load(cwd=tmp_path).migrations == (tmp_path / "sql").resolve()  # what is configured wins
    (tmp_path / "pgwarden.toml").write_text('snapshot = "schema.json"\n', encoding="utf-8")
    assert load(cwd=tmp_path).migrations is None  # a snapshot says what the schema should be


def test_without_alembic_ini_nothing_is_assumed(tmp_path: Path) -> None:
    assert load(cwd=tmp_path).migrations is None


@pytest.mark.parametrize("spec", ["bot.db.models", "bot.config:TORTOISE_ORM", "app.db:Base.metadata"])
def test_models_may_name_a_module_or_module_attribute(tmp_path: Path, spec: str) -> None:
    write(tmp_path / "pgwarden.toml", f'models = "{spec}"\n')
    assert load(cwd=tmp_path).models == spec
