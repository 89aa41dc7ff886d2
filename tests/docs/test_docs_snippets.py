"""Every fenced block of README.md and docs/*.md runs: Python executed, shell commands with their exit codes, TOML validated.

A block that cannot run as written carries ``<!-- pgwarden-docs: skip reason="…" -->`` right before
it; the terminal summary counts the blocks that ran and lists the skipped ones with their reasons.
The convention is in docs/contributing-docs.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from docs_blocks import OUTCOMES, Block, all_blocks
from docs_harness import HARNESSES
from docs_runners import RUNNABLE, run_json, run_python, run_shell, run_sql, run_toml

BLOCKS = all_blocks()


@pytest.mark.db
@pytest.mark.parametrize("block", BLOCKS, ids=[b.id for b in BLOCKS])
def test_block_runs_as_documented(
    block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    reason = block.skip_reason
    if reason is not None:
        OUTCOMES.append((block.id, "skipped", reason))
        pytest.skip(f"pgwarden-docs marker: {reason}")
    assert block.lang in RUNNABLE, (
        f"{block.id}: nothing runs a ```{block.lang or '(no language)'} block; "
        f'mark it with <!-- pgwarden-docs: skip reason="…" --> (see docs/contributing-docs.md)'
    )
    assert block.harness in HARNESSES, (
        f"{block.id}: unknown harness {block.harness!r}; known: {sorted(HARNESSES)}"
    )
    if block.lang == "python":
        run_python(block, request.getfixturevalue("docs_db"), tmp_path, monkeypatch)
    elif block.lang == "toml":
        run_toml(block, tmp_path, monkeypatch)
    elif block.lang == "json":
        run_json(block)
    elif block.lang == "sql":
        run_sql(block)
    else:
        run_shell(block, request.getfixturevalue("docs_db"), tmp_path, monkeypatch)
    OUTCOMES.append((block.id, "ran", ""))


def test_every_document_has_blocks_and_markers_parse() -> None:
    """The collector sees the files (an empty list would make the test above vacuous)."""
    assert {b.file for b in BLOCKS} >= {"README.md", "docs/runtime.md"}
    assert any(b.id.startswith("README.md") and b.lang == "python" for b in BLOCKS)
