"""``[tool.pgwarden.backup]`` from a real config file: defaults, values, and errors naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgwarden.backup.settings import Settings, from_config
from pgwarden.config import load
from pgwarden.errors import ConfigError, UsageError


def _load(tmp_path: Path, body: str) -> Settings:
    (tmp_path / "pgwarden.toml").write_text(body)
    return from_config(load(tmp_path / "pgwarden.toml"))


def test_defaults(tmp_path: Path) -> None:
    s = _load(tmp_path, "")
    assert (s.dir, s.keep_daily, s.keep_weekly, s.schedule, s.max_age) == (None, 7, 4, None, 26 * 3600.0)
    with pytest.raises(UsageError, match="--dir DIR or set `backup.dir`"):
        s.directory()


def test_values_and_relative_dir(tmp_path: Path) -> None:
    s = _load(
        tmp_path,
        '[backup]\ndir = "backups"\nkeep_daily = 3\nkeep_weekly = 0\nschedule = "every 6h"\n'
        'max_age = "2d"\nexact_count_below = 10\n',
    )
    assert s.dir == (tmp_path / "backups").resolve()
    assert (s.keep_daily, s.keep_weekly, s.max_age, s.exact_count_below) == (3, 0, 172800.0, 10)
    assert s.schedule is not None and s.schedule.interval == 21600
    assert s.with_overrides(dir=str(tmp_path / "x"), keep_daily=None).dir == tmp_path / "x"


def test_pyproject_keys_are_spelled_with_their_prefix(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.pgwarden.backup]\nkeep_daily = "seven"\n')
    with pytest.raises(
        ConfigError, match=r"pyproject.toml: `tool.pgwarden.backup.keep_daily` has the wrong type"
    ):
        from_config(load(tmp_path / "pyproject.toml"))


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ("[backup]\nkeep = 3\n", r"unknown key `backup.keep`; known: dir, exact_count_below"),
        ("[backup]\nkeep_weekly = -1\n", r"`backup.keep_weekly` must not be negative"),
        ('[backup]\nschedule = "0 2 * * *"\n', r"`backup.schedule` = '0 2 \* \* \*' is not a schedule"),
        ('[backup]\nmax_age = "soon"\n', r"`backup.max_age` = 'soon' is not a duration"),
        ("[backup]\nmax_age = true\n", r"`backup.max_age` has the wrong type \(bool\)"),
        ("backup = 3\n", r"`backup` must be a table"),
    ],
)
def test_errors_name_file_and_key(tmp_path: Path, body: str, match: str) -> None:
    with pytest.raises(ConfigError, match=match) as info:
        _load(tmp_path, body)
    assert "pgwarden.toml" in str(info.value)
