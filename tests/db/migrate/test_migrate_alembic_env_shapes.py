"""``target_metadata`` as real projects write it: models split over a package imported for their tables, a
list of metadata, a function building it, ``from pkg import models``; read from env.py, never run.

Each project is shaped like a real one (``src/`` layout, a declarative Base in ``shop/db/base.py``,
one module per model, a classic ``Table`` in another package) with no ``models`` configured: the
first revision is written by ``pgwarden migrate new`` from those models, applied, and ``check``
must then be clean, which it is only if every table was loaded.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from pgwarden._alembic_env import target_metadata
from pgwarden.cli import main

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "alembic_bot"

BASE = "from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n"
USER = (
    "from sqlalchemy import BigInteger, Text\nfrom sqlalchemy.orm import Mapped, mapped_column\n\n"
    "from shop.db.base import Base\n\n\nclass User(Base):\n    __tablename__ = 'users'\n\n"
    "    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)\n    name: Mapped[str] = mapped_column(Text)\n"
)
ORDER = (
    "from sqlalchemy import BigInteger, ForeignKey, Integer\nfrom sqlalchemy.orm import Mapped, mapped_column\n\n"
    "from shop.db.base import Base\n\n\nclass Order(Base):\n    __tablename__ = 'orders'\n\n"
    "    id: Mapped[int] = mapped_column(Integer, primary_key=True)\n"
    "    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey('users.id'))\n"
)
BILLING = (
    "from sqlalchemy import Column, Integer, MetaData, Numeric, Table\n\nmetadata = MetaData()\n"
    "invoices = Table('invoices', metadata, Column('id', Integer, primary_key=True), Column('total', Numeric(10, 2)))\n"
)

SHAPES = {
    "imported for their tables": (
        "from shop.db.base import Base\nimport shop.models.user  # noqa: F401\nimport shop.models.order  # noqa: F401\n"
        "target_metadata = Base.metadata\n",
        ["users", "orders"],
    ),
    "a list of metadata": (
        "from shop.billing import tables as billing\nfrom shop.db.base import Base\n"
        "from shop.models import order, user  # noqa: F401\ntarget_metadata = [Base.metadata, billing.metadata]\n",
        ["users", "orders", "invoices"],
    ),
    "built in a function": (
        "def get_metadata():\n    from shop.db.base import Base\n    from shop.models import order, user  # noqa: F401\n"
        "\n    return Base.metadata\n\n\ntarget_metadata = get_metadata()\n",
        ["users", "orders"],
    ),
    "a submodule its package does not import": (
        "from shop import models\ntarget_metadata = models.Base.metadata\n",
        ["users", "orders"],
    ),
}


def make_project(root: Path, target: str) -> Path:
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("__pycache__", "versions", "src"))
    (root / "migrations" / "versions").mkdir()
    pkg = root / "src" / "shop"
    for folder in (pkg, pkg / "db", pkg / "models", pkg / "billing"):
        folder.mkdir(parents=True)
        (folder / "__init__.py").write_text("")
    (pkg / "db" / "base.py").write_text(BASE)
    (pkg / "models" / "user.py").write_text(USER)
    (pkg / "models" / "order.py").write_text(ORDER)
    (pkg / "models" / "__init__.py").write_text(
        "from shop.db.base import Base\n\nfrom . import order, user\n"
    )
    (pkg / "billing" / "tables.py").write_text(BILLING)
    env = root / "migrations" / "env.py"
    text = env.read_text()
    start = text.index("# The URL comes from")
    end = text.index("target_metadata = Base.metadata\n") + len("target_metadata = Base.metadata\n")
    env.write_text(text[:start] + target + text[end:])
    (root / "pyproject.toml").write_text('[tool.pgwarden]\nmigrations = "alembic.ini"\n')
    return root


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("shape", list(SHAPES))
def test_target_metadata_shapes_load_every_table(
    shape: str, tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    target, tables = SHAPES[shape]
    root = make_project(tmp_path / "shop", target)
    monkeypatch.chdir(root)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    code, out, err = run("migrate", "new", "init")
    assert code == 0, err
    text = (root / out.strip()).read_text()
    for table in tables:
        assert f'CREATE TABLE "public"."{table}"' in text, (shape, table, text)
    code, _, err = run("migrate", "up", "--db", db_url)
    assert code == 0, err
    code, out, err = run("check", "--db", db_url, "--format", "json")
    doc = json.loads(out)
    assert (code, doc["findings"]) == (0, []), (shape, doc)


def test_an_unreadable_target_metadata_is_one_sentence_and_check_goes_on_without_models(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(tmp_path / "shop", "from shop.db.registry import build\ntarget_metadata = build()\n")
    monkeypatch.chdir(root)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    (root / "migrations" / "versions" / "001_empty.py").write_text(
        "revision = 'a1'\ndown_revision = None\nbranch_labels = None\ndepends_on = None\n\n\n"
        "def upgrade() -> None:\n    pass\n"
    )
    assert target_metadata(root / "migrations" / "env.py") is None
    code, out, err = run("check", "--db", db_url)
    assert (
        "migrations/env.py" in err and "`target_metadata` is built in a way" in err and "set `models`" in err
    )
    assert code in (0, 1) and "Traceback" not in err
    assert err.count("\n") <= 3


def test_the_exporter_run_in_the_projects_interpreter_reads_the_same_shapes(tmp_path: Path) -> None:
    """The exporter (run in a project's own virtualenv) takes the same comma-separated spec as the in-process loader."""
    import subprocess
    import sys

    import pgwarden.contract._export_models as exporter

    root = make_project(tmp_path / "shop", "")
    spec = target_metadata_of(
        root,
        "from shop.billing import tables as billing\nfrom shop.db.base import Base\n"
        "from shop.models import order, user  # noqa: F401\ntarget_metadata = [Base.metadata, billing.metadata]\n",
    )
    assert spec == "shop.models.order, shop.models.user, shop.db.base:Base, shop.billing:tables"
    output = tmp_path / "out.json"
    done = subprocess.run(
        [sys.executable, exporter.__file__, str(root / "src"), spec, str(output)],
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    tables = {c["table"] for c in json.loads(output.read_text())["columns"]}
    assert tables == {"public.users", "public.orders", "public.invoices"}
    spec = target_metadata_of(root, "from shop import models\ntarget_metadata = models.Base.metadata\n")
    done = subprocess.run(
        [sys.executable, exporter.__file__, str(root / "src"), spec, str(output)],
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0 and {c["table"] for c in json.loads(output.read_text())["columns"]} == {
        "public.users",
        "public.orders",
    }


def target_metadata_of(root: Path, source: str) -> str | None:
    env = root / "migrations" / "env.py"
    env.write_text(source)
    return target_metadata(env)
