"""A lint ignore comment in a migration is not a migration directive."""

from __future__ import annotations

from pathlib import Path

from pgwarden.migrate.source import discover


def test_ignore_comment_is_left_to_the_linter(tmp_path: Path) -> None:
    (tmp_path / "001_wipe.sql").write_text(
        "-- pgwarden: no-transaction\n-- pgwarden:ignore data-wipe -- the table is a cache\nTRUNCATE cache;\n"
    )
    (file,) = discover(tmp_path)
    assert file.transactional is False
