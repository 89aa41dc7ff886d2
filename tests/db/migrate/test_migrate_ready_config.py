"""ensure_ready() finds the migrations folder in the configuration when none is passed."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgwarden.errors import UsageError
from pgwarden.migrate import ensure_ready


def test_folder_from_config(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "001_users.sql").write_text("CREATE TABLE users (id bigint PRIMARY KEY);\n")
    (tmp_path / "pyproject.toml").write_text('[tool.pgwarden]\nmigrations = "db"\n')
    monkeypatch.chdir(tmp_path)
    result = ensure_ready(db_url, apply=True, timeout=5)
    assert result is not None and [f.version for f in result.applied] == [1]
    assert ensure_ready(db_url, timeout=1) is None


def test_no_folder_anywhere(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError, match="needs the migrations folder"):
        ensure_ready(db_url)
