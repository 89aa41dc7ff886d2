"""Fixtures of the documentation tests: one scratch cluster (the newest system PostgreSQL), a summary line."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from docs_blocks import OUTCOMES

from pgwarden.scratch import Cluster, Scratch, find_binaries


@pytest.fixture(scope="session")
def docs_scratch() -> Iterator[Scratch]:
    # One major is enough here: the snippets test the documentation, the db tests cover the versions.
    binaries = find_binaries()
    if binaries is None:
        pytest.skip("no PostgreSQL binaries on this machine")
    cluster = Cluster(binaries)
    cluster.start()
    with Scratch(cluster.url, cluster=cluster) as s:
        yield s


@pytest.fixture
def docs_db(docs_scratch: Scratch) -> Iterator[str]:
    url = docs_scratch.create_database("docs")
    try:
        yield url
    finally:
        docs_scratch.drop_database(url)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not OUTCOMES:
        return
    counts = Counter(outcome for _, outcome, _ in OUTCOMES)
    terminalreporter.write_sep("-", "documentation snippets")
    terminalreporter.write_line(
        f"docs snippets: {len(OUTCOMES)} blocks in README.md and docs/*.md, "
        f"{counts['ran']} ran, {counts['skipped']} skipped by a pgwarden-docs marker"
    )
    for block_id, outcome, reason in OUTCOMES:
        if outcome == "skipped":
            terminalreporter.write_line(f"  skipped {block_id}: {reason}")
