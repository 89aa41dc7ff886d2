"""``migrate test --models`` loads the models the way ``check`` does: declared extensions first."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import psycopg
import pytest

from pgwarden.cli import main
from pgwarden.scratch import Scratch

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sources"

CONFIG = """\
models = "pgw_uuid_models:metadata"
migrations = "migrations"

[[expect.extensions]]
name = "uuid-ossp"
"""

INIT = """\
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";
CREATE TABLE api_keys (id uuid PRIMARY KEY DEFAULT uuid_generate_v4(), label text NOT NULL);
"""


def test_migrate_test_models_with_a_declared_extension(
    scratch: Scratch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with psycopg.connect(scratch.server_url) as conn:
        if not conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'uuid-ossp'").fetchone():
            pytest.skip("this PostgreSQL build has no contrib extensions")
    shutil.copy(FIXTURES / "pgw_uuid_models.py", tmp_path / "pgw_uuid_models.py")
    (tmp_path / "pgwarden.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "001_init.sql").write_text(INIT, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    code = main(["migrate", "test", "--dev-url", scratch.server_url], out, err)
    text = out.getvalue() + err.getvalue()
    assert "uuid_generate_v4() does not exist" not in text, text
    assert code == 0, text
