"""Models loaded in the project's own interpreter: real virtualenvs with SQLAlchemy 1.3, 1.4 and 2.0.

The virtualenvs are made by the suite with pip from the package registry and kept
under ``build/sa-venvs`` so later runs reuse them.
"""

from __future__ import annotations

import io
import stat
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from pgwarden.catalog import inspect
from pgwarden.catalog.model import Schema
from pgwarden.cli import main
from pgwarden.config import Config
from pgwarden.contract.configured import load_configured_models
from pgwarden.contract.export import export_models
from pgwarden.contract.interpreter import Interpreter, find_interpreter
from pgwarden.diff import CLASSIC_SUFFIX
from pgwarden.errors import SourceError
from pgwarden.scratch import Scratch

BUILD = Path(__file__).resolve().parents[3] / "build" / "sa-venvs"
VERSIONS = ("1.3.24", "1.4.54", "2.0.36")

# Works unchanged on SQLAlchemy 1.3, 1.4 and 2.0: declarative classes, an abstract base, a concrete
# base that only exists once mappers are configured, and a classic Table.
MODELS = """
import enum
from pathlib import Path
from sqlalchemy import BigInteger, Column, Enum, ForeignKey, Index, Integer, MetaData, String, Table, Text
from sqlalchemy.ext.declarative import AbstractConcreteBase, declarative_base

print("hello from the models")  # must never reach pgwarden's output
with open(Path(__file__).with_name("imports.log"), "a") as log:
    log.write("imported\\n")

Base = declarative_base()


class Kind(enum.Enum):
    bot = "bot"
    human = "human"


class Stamped(Base):
    __abstract__ = True
    note = Column(Text, comment="free text")


class User(Stamped):
    __tablename__ = "users"
    id = Column(BigInteger, primary_key=True, autoincrement=False)
    name = Column(Text, nullable=False)
    kind = Column(Enum(Kind, name="user_kind"))


class Animal(AbstractConcreteBase, Base):
    pass


class Dog(Animal):
    __tablename__ = "dogs"
    __mapper_args__ = {"polymorphic_identity": "dog", "concrete": True}
    id = Column(Integer, primary_key=True)
    owner_id = Column(BigInteger, ForeignKey("users.id"))
    {extra}


events = Table(
    "events", Base.metadata,
    Column("id", BigInteger, primary_key=True),
    Column("title", String(20)),
    Index("ix_events_title", "title"),
)
"""

LIVE = """
CREATE TYPE user_kind AS ENUM ('bot', 'human');
CREATE TABLE users (note text, id bigint PRIMARY KEY, name text NOT NULL, kind user_kind);
COMMENT ON COLUMN users.note IS 'free text';
CREATE TABLE dogs (id serial PRIMARY KEY, owner_id bigint REFERENCES users (id));
CREATE TABLE events (id bigserial PRIMARY KEY, title varchar(20));
CREATE INDEX ix_events_title ON events (title);
"""


def venv_with(version: str) -> Path:
    """A virtualenv with SQLAlchemy ``version`` and nothing else of pgwarden's, made once and kept."""
    folder = BUILD / f"sa{version}-py{sys.version_info[0]}.{sys.version_info[1]}"
    python = folder / "bin" / "python"
    if (folder / ".ready").is_file():
        return python
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--clear", str(folder)], check=True, capture_output=True)
    done = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            f"sqlalchemy=={version}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"pip could not install SQLAlchemy {version}: {done.stderr[-2000:]}")
    (folder / ".ready").touch()
    return python


def project(tmp: Path, python: Path | str, *, extra: str = "") -> Path:
    (tmp / "app").mkdir(exist_ok=True)
    (tmp / "app" / "__init__.py").write_text("")
    (tmp / "app" / "models.py").write_text(MODELS.replace("{extra}", extra))
    (tmp / "pgwarden.toml").write_text(f'models = "app.models:Base"\npython = "{python}"\n')
    return tmp


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGWARDEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)


@pytest.mark.parametrize("version", VERSIONS)
def test_models_load_with_the_projects_sqlalchemy_and_match_a_live_database(
    version: str, tmp_path: Path, scratch: Scratch, db_url: str, conn: psycopg.Connection
) -> None:
    python = venv_with(version)
    root = project(tmp_path, python)
    cfg = Config(root=root, models="app.models:Base", python=str(python))
    expected = load_configured_models(cfg, scratch)
    tables = {t.name: t for t in expected.schema.tables}
    assert set(tables) == {"users", "dogs", "events"}  # dogs comes only from the configured concrete base
    assert {c.name for c in tables["users"].columns} == {"note", "id", "name", "kind"}
    assert expected.attributes["public.users.id"] == "User.id"
    assert (
        expected.attributes["public.users.note"] == "User.note"
    )  # an abstract base has no mapper of its own
    assert expected.attributes[f"public.users.id{CLASSIC_SUFFIX}"] == "Column"
    assert "public.events.title" not in expected.attributes  # a classic Table has no class to edit

    conn.execute(LIVE)
    out, err = io.StringIO(), io.StringIO()
    code = main(["--config", str(root / "pgwarden.toml"), "check", "--db", db_url], out=out, err=err)
    assert "hello from the models" not in out.getvalue() + err.getvalue()
    assert code == 0, out.getvalue() + err.getvalue()
    live = inspect(conn)

    def columns(schema: Schema) -> dict[str, list[object]]:  # column order differs between versions
        return {t.name: sorted(t.columns, key=lambda c: c.name) for t in schema.tables}

    assert columns(expected.schema) == columns(live)
    assert expected.schema.enums == live.enums
    assert {t.name: t.indexes for t in expected.schema.tables} == {t.name: t.indexes for t in live.tables}


def test_the_export_is_cached_by_the_content_of_the_models_source_files(tmp_path: Path) -> None:
    python = venv_with(VERSIONS[-1])
    root = project(tmp_path, python)
    interpreter = Interpreter(python, "test")
    first = export_models("app.models:Base", root, interpreter)
    again = export_models("app.models:Base", root, interpreter)
    assert first == again
    assert (root / "app" / "imports.log").read_text().count("imported") == 1  # the second came from the cache
    assert str((root / "app" / "models.py").resolve()) in first.files
    project(tmp_path, python, extra="age = Column(Integer)")
    changed = export_models("app.models:Base", root, interpreter)
    assert (root / "app" / "imports.log").read_text().count("imported") == 2
    assert any("age INTEGER" in statement for _what, statement in changed.ddl)


def test_the_interpreter_is_found_from_the_setting_virtual_env_and_dot_venv(tmp_path: Path) -> None:
    python = venv_with(VERSIONS[-1])
    assert find_interpreter(tmp_path, None, environ={}) is None
    found = find_interpreter(tmp_path, None, environ={"VIRTUAL_ENV": str(python.parent.parent)})
    assert found is not None and found.path == python and found.found_by == "$VIRTUAL_ENV"
    (tmp_path / ".venv").symlink_to(python.parent.parent)
    found = find_interpreter(tmp_path, None, environ={})
    assert found is not None and found.found_by == ".venv"
    found = find_interpreter(tmp_path, str(python.parent.parent), environ={})  # a venv folder works too
    assert found is not None and found.path.name == "python"


def check_fails(root: Path, db_url: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    code = main(["--config", str(root / "pgwarden.toml"), "check", "--db", db_url], out=out, err=err)
    text = out.getvalue() + err.getvalue()
    assert code == 2, text
    assert "Traceback" not in text
    return " ".join(text.split())


def test_an_interpreter_that_does_not_exist_is_one_sentence_exit_2(tmp_path: Path, db_url: str) -> None:
    text = check_fails(project(tmp_path, tmp_path / "nowhere" / "python"), db_url)
    assert "nowhere/python" in text and "`python`" in text


def test_models_that_fail_to_import_name_the_interpreter_and_module(tmp_path: Path, db_url: str) -> None:
    python = venv_with(VERSIONS[-1])
    root = project(tmp_path, python)
    (root / "app" / "models.py").write_text("import fastapi\n")
    text = check_fails(root, db_url)
    assert str(python) in text and "fastapi" in text and "app.models" in text


def test_an_orm_too_old_and_a_missing_sqlalchemy_are_one_sentence(tmp_path: Path, db_url: str) -> None:
    python = venv_with(VERSIONS[-1])
    root = project(tmp_path, python)
    # A project-local package shadows the installed one: what an old environment would import.
    (root / "sqlalchemy").mkdir()
    (root / "sqlalchemy" / "__init__.py").write_text('__version__ = "1.2.19"\n')
    assert "older than 1.3" in check_fails(root, db_url)
    (root / "sqlalchemy" / "__init__.py").write_text("raise ImportError('no')\n")
    assert "SQLAlchemy is not installed" in check_fails(root, db_url)


def fake_python(tmp: Path, body: str) -> Path:
    script = tmp / "fakepython"
    script.write_text("#!/bin/sh\n" + body + "\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def test_an_exporter_that_hangs_or_prints_garbage_is_a_source_error(tmp_path: Path, db_url: str) -> None:
    root = project(tmp_path, "x")
    hangs = Interpreter(fake_python(tmp_path, "sleep 30"), "test")
    with pytest.raises(SourceError, match="did not finish within 1 s"):
        export_models("app.models:Base", root, hangs, timeout=1, use_cache=False)
    garbage = fake_python(tmp_path, 'echo "{not json" > "$5"; echo oops >&2')
    project(tmp_path, garbage)
    assert "no description" in check_fails(root, db_url)
    wrong_shape = fake_python(tmp_path, 'echo "[1, 2]" > "$5"')
    project(tmp_path, wrong_shape)
    assert "cannot read" in check_fails(root, db_url)


def test_pgwardens_own_interpreter_still_loads_models_in_process(tmp_path: Path) -> None:
    assert Interpreter(Path(sys.executable), "$VIRTUAL_ENV").is_own
    assert not Interpreter(venv_with(VERSIONS[-1]), ".venv").is_own


def test_a_src_layout_exports_from_root_src(tmp_path: Path) -> None:
    python = venv_with(VERSIONS[-1])
    (tmp_path / "src").mkdir()
    project(tmp_path / "src", python)  # the package lives in root/src, the config in root
    exported = export_models("app.models:Base", tmp_path, Interpreter(python, "test"), use_cache=False)
    assert any(what == "table public.users" for what, _ in exported.ddl)
