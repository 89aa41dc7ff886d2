"""`pgwarden init` without a database: detection by syntax tree, --print, --force, recipes, bad input."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from pgwarden.cli import main
from pgwarden.config import load
from pgwarden.dburl import url_for
from pgwarden.discover import scan

FIXTURES = Path(__file__).parent.parent / "fixtures" / "projects"


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out=out, err=err), out.getvalue(), err.getvalue()


def test_scan_finds_bases_styles_settings_and_deploy_files() -> None:
    shop = scan(FIXTURES / "aiogram_shop")
    (base,) = shop.bases
    assert (base.spec, base.tables, base.styles) == ("shopbot.db.base:Base", 2, frozenset({"Mapped"}))
    assert [s.spec for s in shop.settings] == ["shopbot.config:settings.db.db_url"]
    assert shop.migrations is not None and shop.migration_files == 1
    assert shop.entry == "python -m shopbot"
    assert [p.name for p in shop.deploy] == ["Dockerfile"]
    ptb = scan(FIXTURES / "ptb_legacy")
    assert ptb.bases[0].styles == frozenset({"Column"}) and ptb.alembic is not None
    assert ptb.unimported(ptb.bases[0]) == ["app.models.chat", "app.models.message"]


def test_scan_never_imports_the_project(tmp_path: Path) -> None:
    (tmp_path / "models.py").write_text(
        "open(__file__ + '.ran', 'w').close()\nfrom sqlalchemy import MetaData\nmetadata = MetaData()\n",
        encoding="utf-8",
    )
    assert [b.spec for b in scan(tmp_path).bases] == ["models:metadata"]
    assert not (tmp_path / "models.py.ran").exists()


def test_print_writes_nothing_and_force_is_needed_to_overwrite(tmp_path: Path) -> None:
    project = tmp_path / "shop"
    shutil.copytree(FIXTURES / "aiogram_shop", project)
    code, out, err = _run("init", "--path", str(project), "--print")
    assert code == 0 and 'models = "shopbot.db.base:Base"' in out and "Nothing written" in err
    assert not (project / "pgwarden.toml").exists()
    assert _run("init", "--path", str(project))[0] == 0
    code, _, err = _run("init", "--path", str(project))
    assert code == 2 and "pgwarden.toml exists; pass --force" in err


def test_init_in_an_empty_folder_is_exit_2(tmp_path: Path) -> None:
    code, out, err = _run("init", "--path", str(tmp_path))
    assert code == 2 and out == ""
    assert "holds no Python files and no migrations" in err and err[-1] == "\n" and err.count("\n") == 1


@pytest.mark.parametrize(
    ("kind", "needle"),
    [
        ("systemd", "WatchdogSec=30"),
        ("compose", "healthcheck:"),
        ("paas", "worker: pgwarden run --telegram -- python -m shopbot"),
    ],
)
def test_recipes(kind: str, needle: str) -> None:
    code, out, _ = _run("init", "--path", str(FIXTURES / "aiogram_shop"), "--recipe", kind)
    assert code == 0 and needle in out
    if kind == "systemd":
        assert (
            "Type=notify" in out and "pgwarden run --telegram --health-port 8081 -- python -m shopbot" in out
        )


def test_a_password_in_env_is_never_shown(tmp_path: Path) -> None:
    (tmp_path / "bot.py").write_text("print('hi')\n")
    (tmp_path / ".env").write_text("DATABASE_URL=postgresql://bot:s3cr3t-value@db/bot\n")
    code, out, err = _run("init", "--path", str(tmp_path))
    assert code == 0
    text = (tmp_path / "pgwarden.toml").read_text(encoding="utf-8")
    assert "s3cr3t" not in text + out + err and "DATABASE_URL" in out


def test_a_missing_extra_is_named() -> None:
    from pgwarden._extras import require
    from pgwarden.errors import UsageError

    require("server", ("json",), "Anything")  # present: no error
    with pytest.raises(
        UsageError,
        match=r"The health port needs pgw_no_such_module, which is not installed: "
        r"run pip install 'pgwarden\[server\]'",
    ):
        require("server", ("pgw_no_such_module",), "The health port")


def test_help_summaries_match_the_commands() -> None:
    import click

    from pgwarden.cli import COMMANDS, SUMMARIES, cli

    ctx = click.Context(cli)
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert command is not None
        assert SUMMARIES[name] == command.get_short_help_str(limit=1000), name


def test_a_module_level_url_in_config_py_is_a_settings_source(tmp_path: Path) -> None:
    (tmp_path / "bot").mkdir()
    (tmp_path / "bot" / "__init__.py").write_text("")
    (tmp_path / "bot" / "config.py").write_text('import os\nDATABASE_URL = os.getenv("DATABASE_URL")\n')
    (tmp_path / "bot" / "handlers.py").write_text('db_url = "not settings"\n')
    assert [s.spec for s in scan(tmp_path).settings] == ["bot.config:DATABASE_URL"]


def test_models_point_at_a_module_that_imports_every_model() -> None:
    split = scan(FIXTURES / "aiogram_split")
    (base,) = split.bases
    assert base.spec == "database.base:Base" and split.unimported(base) == ["database.models"]
    # database.session imports them too, but also the settings that need every bot secret.
    assert split.models_spec(base) == "database.models:Base"
    src = scan(FIXTURES / "ptb_src")
    (base,) = src.bases
    assert (base.spec, src.models_spec(base)) == ("core.database:Base", "app.models:Order")
    shop = scan(FIXTURES / "aiogram_shop")
    assert shop.models_spec(shop.bases[0]) == shop.bases[0].spec  # already imports its models


def test_settings_built_from_variables_are_read_not_imported() -> None:
    from pgwarden.initfiles import url_source

    split = scan(FIXTURES / "aiogram_split")
    assert url_source(split.settings[0]) == (
        "DATABASE_*",
        {
            "host": "DATABASE_HOST",
            "port": "DATABASE_PORT",
            "user": "DATABASE_USER",
            "password": "DATABASE_PASSWORD",
            "dbname": "DATABASE_NAME",
        },
    )
    assert url_source(scan(FIXTURES / "ptb_src").settings[0]) == ("DATABASE_URL", {})
    assert url_source(scan(FIXTURES / "aiogram_shop").settings[0]) == ("DB_*", {})
    code, out, _ = _run("init", "--path", str(FIXTURES / "aiogram_split"), "--print")
    assert code == 0 and '\nmodels = "database.models:Base"\n' in out
    assert '\ndatabase_parts = { host = "DATABASE_HOST", port = "DATABASE_PORT",' in out
    assert '\n# database_url = "bot.config:DATABASE_URL"\n' in out and "\ndatabase_url =" not in out


def test_a_settings_object_with_a_computed_url_stays_the_source(tmp_path: Path) -> None:
    (tmp_path / "config.py").write_text(
        'import os\nDB_URL = "postgresql://bot@" + os.getenv("BOT_DB_SERVER", "db") + "/app"\n'
    )
    (tmp_path / "bot.py").write_text("import config\n")
    code, out, _ = _run("init", "--path", str(tmp_path), "--print")
    assert code == 0 and '\ndatabase_url = "config:DB_URL"' in out


def test_src_layout_entry_and_env_template() -> None:
    project = scan(FIXTURES / "ptb_src")
    assert project.entry == "python src/main.py"
    assert project.env_file is None and project.env_template is not None
    assert project.env_keys == ("DATABASE_URL",)
    code, out, err = _run("init", "--path", str(FIXTURES / "ptb_src"), "--print")
    assert code == 0 and "example.env lists DATABASE_URL: copy it to .env" in err
    assert "change-me" not in out + err


def test_direct_url_in_env_is_mentioned(tmp_path: Path) -> None:
    (tmp_path / "bot.py").write_text("print('hi')\n")
    (tmp_path / ".env").write_text(
        "DATABASE_URL=postgresql://bot:pw-one@pooler:6543/bot\nDIRECT_URL=postgresql://bot:pw-two@db/bot\n"
    )
    code, out, _ = _run("init", "--path", str(tmp_path), "--print")
    assert code == 0 and "DIRECT_URL (a URL that bypasses the pooler)" in out
    assert "pw-one" not in out and "pw-two" not in out


def test_a_folder_of_scripts_runs_as_python_folder_script(tmp_path: Path) -> None:
    (tmp_path / "bot").mkdir()
    (tmp_path / "bot" / "bot.py").write_text("import config\nif __name__ == '__main__':\n    print('up')\n")
    (tmp_path / "bot" / "config.py").write_text("TOKEN = ''\n")
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "main.py").write_text("print('a helper without a main guard')\n")
    assert scan(tmp_path).entry == "python bot/bot.py"


def test_an_alembic_project_gets_migrations_pointing_at_its_environment(tmp_path: Path) -> None:
    project = tmp_path / "bot"
    shutil.copytree(FIXTURES.parents[2] / "examples" / "alembic_bot", project)
    code, out, _ = _run("init", "--path", str(project), "--print")
    assert code == 0
    assert 'migrations = "alembic.ini"' in out.splitlines()
    assert "docs/alembic.md" in out
    # The written file is one pgwarden reads back: the Alembic environment is the migration source.
    code, _, err = _run("init", "--path", str(project))
    assert code == 0, err
    assert load(project / "pgwarden.toml").migrations == project / "alembic.ini"


def _pydantic_bot(root: Path, body: str, env: str | None) -> None:
    """The shape of a public aiogram bot: pydantic-settings fills the URL field from .env."""
    (root / "app" / "config").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "config" / "__init__.py").write_text("")
    (root / "app" / "config" / "settings.py").write_text(
        "from pydantic_settings import BaseSettings, SettingsConfigDict\n\n\nclass Settings(BaseSettings):\n"
        f'    BOT_TOKEN: str = ""\n{body}\n\nsettings = Settings()\n'
    )
    if env is not None:
        (root / ".env").write_text(env)


def test_a_pydantic_settings_field_is_read_from_its_variable_without_importing_the_settings(
    tmp_path: Path,
) -> None:
    _pydantic_bot(
        tmp_path,
        '    POSTGRESQL_URL: str = ""\n',
        "BOT_TOKEN=1:abc\npostgresql_url=postgresql://bot:pw-9x@db/bot\n",
    )
    project = scan(tmp_path)
    assert [(s.spec, s.variable) for s in project.settings] == [
        ("app.config.settings:settings.POSTGRESQL_URL", "postgresql_url")  # as the .env spells it
    ]
    code, out, err = _run("init", "--path", str(tmp_path))
    text = (tmp_path / "pgwarden.toml").read_text()
    assert code == 0 and '\ndatabase_url_env = "postgresql_url"\n' in text
    assert '\n# database_url = "app.config.settings:settings.POSTGRESQL_URL"\n' in text
    assert "pw-9x" not in out + err + text
    # read from .env itself: the settings module is never imported
    assert url_for(load(tmp_path / "pgwarden.toml"), required=True) == "postgresql://bot:pw-9x@db/bot"


@pytest.mark.parametrize(
    ("body", "env"),
    [
        # another file: the .env at the root does not hold it
        (
            '    POSTGRESQL_URL: str = ""\n    model_config = SettingsConfigDict(env_file="conf/.env")\n',
            "X=1\n",
        ),
        # a prefix, an alias: the variable is not the field's name
        (
            '    db_url: str = ""\n    model_config = SettingsConfigDict(env_prefix="BOT_")\n',
            "BOT_DB_URL=x\n",
        ),
        ('    db_url: str = Field("", validation_alias="PG_CONN")\n', "PG_CONN=x\n"),
    ],
)
def test_a_pydantic_settings_object_that_reads_elsewhere_is_imported(
    tmp_path: Path, body: str, env: str
) -> None:
    _pydantic_bot(tmp_path, body, env)
    code, out, _ = _run("init", "--path", str(tmp_path), "--print")
    assert code == 0 and '\ndatabase_url = "app.config.settings:settings.' in out, out
    assert "\ndatabase_url_env" not in out


def test_a_dotenv_url_not_named_database_url_is_read_through_database_url_env(tmp_path: Path) -> None:
    (tmp_path / "bot.py").write_text("print('hi')\n")
    (tmp_path / ".env").write_text("POSTGRES_URL=postgresql://bot:pw-7y@db:5433/bot\n")
    code, out, err = _run("init", "--path", str(tmp_path))
    assert code == 0 and "pw-7y" not in out + err
    text = (tmp_path / "pgwarden.toml").read_text()
    assert '\ndatabase_url_env = "POSTGRES_URL"\n' in text
    assert url_for(load(tmp_path / "pgwarden.toml"), required=True) == "postgresql://bot:pw-7y@db:5433/bot"


@pytest.mark.parametrize(
    "base",
    [
        # the base takes a MetaData with a naming convention (a public aiogram template)
        "meta = MetaData(naming_convention={'pk': 'pk__%(table_name)s'})\n\n\n"
        "class Base(DeclarativeBase):\n    metadata = meta\n",
        "metadata = MetaData()\nBase = declarative_base(metadata=metadata)\n",
    ],
)
def test_a_metadata_a_base_takes_is_listed_once_as_the_base(tmp_path: Path, base: str) -> None:
    (tmp_path / "db.py").write_text(
        "from sqlalchemy import Column, Integer, MetaData\n"
        "from sqlalchemy.orm import DeclarativeBase, declarative_base\n\n" + base + "\n\n"
        "class User(Base):\n    __tablename__ = 'users'\n    id = Column(Integer, primary_key=True)\n"
    )
    assert [(b.spec, b.tables) for b in scan(tmp_path).bases] == [("db:Base", 1)]
