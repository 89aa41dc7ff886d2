"""Catalog queries adapt to older servers by leaving out lines marked with the version they need."""

from __future__ import annotations

import pytest

from pgwarden.catalog import QUERIES
from pgwarden.catalog._inspect import query


def test_lines_for_newer_catalogs_are_left_out_on_older_servers() -> None:
    def code(text: str) -> str:
        return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))

    assert "tgparentid" not in code(query("triggers", 120017))
    assert "tgparentid" in code(query("triggers", 130000))
    assert "indnullsnotdistinct" not in code(query("indexes", 140011))
    assert "indnullsnotdistinct" in code(query("indexes", 150018))
    assert query("indexes", 0) == query("indexes", 170000)


@pytest.mark.parametrize("name", QUERIES)
def test_every_query_exists(name: str) -> None:
    assert query(name, 120000).strip()
