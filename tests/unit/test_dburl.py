"""The database URL's sources and their order (dburl, _projectio), without a database."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pgwarden import config, dburl
from pgwarden._projectio import from_settings, read_env_file
from pgwarden.dburl import DEFAULT_PARTS, from_libpq, from_parts, resolve
from pgwarden.errors import ConfigError


def _resolve(tmp_path: Path, **kw: object) -> object:
    args: dict[str, object] = dict(
        flag=None,
        settings=None,
        load_settings=from_settings,
        env_name="DATABASE_URL",
        environ={},
        env_file=None,
        env_file_name=".env",
        root=tmp_path,
        config_where="pgwarden.toml",
    )
    args.update(kw)
    return resolve(**args)  # type: ignore[arg-type]


def test_parts_build_a_url_with_quoted_password() -> None:
    env = {"DB_HOST": "db", "DB_PORT": "5433", "DB_USER": "bot", "DB_PASS": "p@ss:w/rd", "DB_NAME": "app"}
    assert from_parts(env, DEFAULT_PARTS[0]) == "postgresql://bot:p%40ss%3Aw%2Frd@db:5433/app"


def test_a_lone_postgres_password_is_not_a_url() -> None:
    assert from_parts({"POSTGRES_PASSWORD": "x"}, DEFAULT_PARTS[1]) is None


def test_socket_folder_goes_in_the_query() -> None:
    url = from_parts({"DB_HOST": "/run/postgresql", "DB_NAME": "app", "DB_PORT": "5432"}, DEFAULT_PARTS[0])
    assert url == "postgresql:///app?host=%2Frun%2Fpostgresql&port=5432"


def test_libpq_variables_name_host_and_database_never_the_password() -> None:
    url = from_libpq({"PGHOST": "db", "PGDATABASE": "app", "PGPASSWORD": "secret"})
    assert url == "postgresql://?host=db&dbname=app"
    assert from_libpq({"PGSERVICE": "bot", "PGHOST": "x"}) == "postgresql://?service=bot"
    assert from_libpq({"HOME": "/root"}) is None


def test_first_source_wins_and_the_loser_is_named(tmp_path: Path) -> None:
    found = _resolve(
        tmp_path,
        environ={"DATABASE_URL": "postgresql://a:s1@one/app", "DB_HOST": "two", "DB_NAME": "app"},
    )
    assert found.url == "postgresql://a:s1@one/app"  # type: ignore[attr-defined]
    assert found.source == "environment variable DATABASE_URL"  # type: ignore[attr-defined]
    (note,) = found.notes  # type: ignore[attr-defined]
    assert "DB_*" in note and "two/app" in note and "wins" in note and "s1" not in note


def test_same_database_spelled_twice_is_no_conflict(tmp_path: Path) -> None:
    found = _resolve(
        tmp_path,
        environ={"DATABASE_URL": "postgresql+asyncpg://bot:x@db:5432/app"},
        env_file={"DB_HOST": "db", "DB_PORT": "5432", "DB_USER": "bot", "DB_NAME": "app"},
    )
    assert found.notes == ()  # type: ignore[attr-defined]


def test_env_file_parts_fill_in_behind_the_environment(tmp_path: Path) -> None:
    found = _resolve(tmp_path, environ={"DB_PASS": "fromenv"}, env_file={"DB_HOST": "db", "DB_NAME": "app"})
    assert found.url == "postgresql://db/app"  # type: ignore[attr-defined]
    assert found.source == ".env: DB_*"  # type: ignore[attr-defined]


def test_flag_wins_without_importing_settings(tmp_path: Path) -> None:
    def boom(spec: str, root: Path, env: object) -> str:
        raise AssertionError("settings imported although --db was given")

    found = _resolve(tmp_path, flag="postgresql://x/y", settings="nope:settings", load_settings=boom)
    assert found.source == "--db"  # type: ignore[attr-defined]


def _settings_module(tmp_path: Path, name: str, body: str) -> None:
    (tmp_path / f"{name}.py").write_text(body, encoding="utf-8")
    sys.modules.pop(name, None)


def test_settings_object_attribute_path_and_secretstr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _settings_module(
        tmp_path,
        "cfg_secret",
        "print('loading settings')\n"
        "class Secret:\n    def get_secret_value(self):\n        return 'postgresql://bot:pw@db/app'\n"
        "class S:\n    class db:\n        url = Secret()\nsettings = S()\n",
    )
    assert from_settings("cfg_secret:settings.db.url", tmp_path) == "postgresql://bot:pw@db/app"
    out, err = capsys.readouterr()
    assert out == "" and "loading settings" in err


def test_settings_sqlalchemy_url_keeps_its_password(tmp_path: Path) -> None:
    _settings_module(
        tmp_path,
        "cfg_sa",
        "from sqlalchemy.engine import URL\n"
        "url = URL.create('postgresql+asyncpg', username='bot', password='pw', host='db', database='app')\n",
    )
    assert from_settings("cfg_sa:url", tmp_path) == "postgresql+asyncpg://bot:pw@db/app"


def test_settings_that_raise_on_import_are_one_sentence(tmp_path: Path) -> None:
    _settings_module(tmp_path, "cfg_raises", "raise RuntimeError('DB_PASS is not set')\n")
    with pytest.raises(
        ConfigError, match=r"cfg_raises.*RuntimeError: DB_PASS is not set at .*cfg_raises.py:1"
    ):
        from_settings("cfg_raises:settings", tmp_path)


def test_env_file_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("DB_HOST=db\nthis line is wrong\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\.env:2: not a KEY=value line"):
        read_env_file(env)


def test_env_file_is_never_executed(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    marker = tmp_path / "ran"
    env.write_text(f'export DATABASE_URL="postgresql://db/$(touch {marker})"\n', encoding="utf-8")
    values = read_env_file(env)
    assert values is not None and "$(touch" in values["DATABASE_URL"]
    assert not marker.exists()


def test_config_refuses_a_password_in_database_url(tmp_path: Path) -> None:
    (tmp_path / "pgwarden.toml").write_text('database_url = "postgresql://bot:secret@db/app"\n')
    with pytest.raises(ConfigError, match="holds a password") as err:
        config.load(cwd=tmp_path)
    assert "secret" not in str(err.value)


def test_config_keys_reach_the_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pgwarden.toml").write_text(
        'env_file = "deploy/bot.env"\n[database_parts]\nhost = "BOT_DB_HOST"\ndbname = "BOT_DB"\n'
    )
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "bot.env").write_text("BOT_DB_HOST=db\nBOT_DB=app\n")
    for name in ("DATABASE_URL", "PGHOST", "PGSERVICE", "PGDATABASE", "PGUSER", "PGPORT", "PGHOSTADDR"):
        monkeypatch.delenv(name, raising=False)
    found = config.load(cwd=tmp_path).db_source()
    assert found.url == "postgresql://db/app"
    assert (found.source or "").endswith("bot.env: BOT_DB_*")


def test_a_broken_env_file_stops_only_when_it_is_needed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("DATABASE_URL", "PGHOST", "PGSERVICE", "PGDATABASE", "PGUSER", "PGPORT", "PGHOSTADDR"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / ".env").write_text("DB_HOST=db\nnot a line\n")
    cfg = config.load(cwd=tmp_path)
    with pytest.raises(ConfigError, match=r"\.env:2"):
        cfg.db_url()
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot@db/app")
    found = cfg.db_source()
    assert found.url == "postgresql://bot@db/app"
    assert any(n.startswith("Skipped ") and ".env:2" in n for n in found.notes)


def test_a_url_built_from_unset_variables_says_so(tmp_path: Path) -> None:
    _settings_module(
        tmp_path,
        "cfg_unset",
        "import os\nDATABASE_URL = f\"postgresql+asyncpg://{os.getenv('PGW_NO_USER')}:"
        "{os.getenv('PGW_NO_PASS')}@{os.getenv('PGW_NO_HOST')}:{os.getenv('PGW_NO_PORT')}/app\"\n",
    )
    with pytest.raises(
        ConfigError, match=r"the text None as its user, password, host, port: the environment"
    ):
        from_settings("cfg_unset:DATABASE_URL", tmp_path)


def test_a_settings_module_under_src_imports(tmp_path: Path) -> None:
    (tmp_path / "src" / "pgw_srccore").mkdir(parents=True)
    (tmp_path / "src" / "pgw_srccore" / "__init__.py").write_text("")
    (tmp_path / "src" / "pgw_srccore" / "cfg_src.py").write_text('url = "postgresql://bot@db/src"\n')
    assert from_settings("pgw_srccore.cfg_src:url", tmp_path) == "postgresql://bot@db/src"


def test_direct_url_from_env_file_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "DIRECT_URL", "PGHOST", "PGSERVICE", "PGDATABASE", "PGUSER", "PGPORT"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / ".env").write_text(
        "DATABASE_URL=postgresql://bot:pw@pooler:6543/app\nDIRECT_URL=postgresql://bot:pw@db:5432/app\n"
    )
    cfg = config.load(cwd=tmp_path)
    assert cfg.db_url() == "postgresql://bot:pw@pooler:6543/app"
    assert cfg.direct_db_url() == "postgresql://bot:pw@db:5432/app"
    direct = dburl.direct_for_config(cfg)
    assert direct is not None and (direct.source or "").endswith(".env: DIRECT_URL")
    monkeypatch.setenv("DIRECT_URL", "postgresql://bot@primary/app")
    assert cfg.direct_db_url() == "postgresql://bot@primary/app"  # the environment before .env
    assert cfg.with_overrides(database_url="postgresql://flag/app").direct_db_url() == "postgresql://flag/app"
    monkeypatch.delenv("DIRECT_URL")
    (tmp_path / ".env").write_text("DATABASE_URL=postgresql://bot@db/app\n")
    assert dburl.direct_for_config(cfg) is None and cfg.direct_db_url() == "postgresql://bot@db/app"


def test_an_env_file_with_empty_database_variables_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("DATABASE_URL", "PGHOST", "PGSERVICE", "PGDATABASE", "PGUSER", "PGPORT", "PGHOSTADDR"):
        monkeypatch.delenv(name, raising=False)
    for name in ("DB_HOST", "DB_NAME", "POSTGRES_HOST", "POSTGRES_DB"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / ".env").write_text('BOT_TOKEN=""\nDB_HOST=\nDB_PORT=\nDB_NAME=\nDB_PASSWORD=\n')
    found = config.load(cwd=tmp_path).db_source()
    assert found.url is None
    assert found.notes == (f"{tmp_path / '.env'} sets DB_HOST, DB_NAME to an empty value; fill them in.",)
