"""What ``alembic check`` misses and ``pgwarden check`` sees on the same project (real Alembic, real PostgreSQL).

The scenario lives in ``bench/alembic_misses.py`` so that the benchmark's "sees" table and this test
are the same run: a function and a trigger made by hand, a check constraint redefined, a server
default changed, a column renamed in the models without a revision.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from pgwarden.scratch import Scratch

BENCH = Path(__file__).resolve().parents[3] / "bench" / "alembic_misses.py"


def test_pgwarden_sees_what_alembic_check_misses(tmp_path: Path, scratch: Scratch, db_url: str) -> None:
    spec = importlib.util.spec_from_file_location("alembic_misses", BENCH)
    assert spec is not None and spec.loader is not None
    misses = importlib.util.module_from_spec(spec)
    sys.modules["alembic_misses"] = misses  # its dataclasses look their module up there
    spec.loader.exec_module(misses)
    seen, said = misses.compare(misses.build(tmp_path / "app"), db_url, scratch.server_url)
    by_what = {s.change.what: s for s in seen}
    # pgwarden sees every change, each as the finding that names it.
    assert by_what["function created by hand"].pgwarden == "PW152 extra_function"
    assert by_what["trigger created by hand"].pgwarden == "PW142 extra_trigger"
    assert by_what["check constraint redefined by hand"].pgwarden == "PW133 constraint_mismatch"
    assert by_what["server default changed by hand"].pgwarden == "PW108 default_mismatch"
    assert by_what["column renamed in the models, no revision"].pgwarden == "PW105 probable_rename"
    # alembic check: nothing of the four made by hand, and the rename as a drop plus an add.
    assert [s.alembic for s in seen[:4]] == ["missed"] * 4, said
    assert by_what["column renamed in the models, no revision"].alembic.startswith("drop + add"), said
    assert "full_name" in said and "remove_column" in said
    print(misses.table(seen))
