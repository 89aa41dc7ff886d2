"""pgwarden against the peer corpus (tests/fixtures/lint_peer): bad cases caught, safe cases left alone.

The scoring is bench/lint_peer.py's, loaded from there so the test and the benchmark cannot drift;
squawk's side is only in the benchmark (it needs the squawk binary).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from pgwarden.lint import RULES_BY_ID

BENCH = Path(__file__).resolve().parents[3] / "bench" / "lint_peer.py"


@pytest.fixture(scope="module")
def peer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lint_peer", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["lint_peer"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_corpus_has_bad_and_safe_cases_for_every_mapped_rule(peer: ModuleType) -> None:
    cases, mapping = peer.load()
    for rule, ours in mapping.items():
        assert ours and all(r in RULES_BY_ID for r in ours), rule
        mine = [c for c in cases if c.rule == rule]
        assert any(c.bad for c in mine) and any(not c.bad for c in mine), rule
    assert {c.rule for c in cases} == set(mapping)


def test_pgwarden_meets_the_peer_target(peer: ModuleType) -> None:
    cases, mapping = peer.load()
    total, _, wrong = peer.score(cases, peer.pgwarden_hits(cases), mapping)
    shown = "\n".join(f"{'missed' if c.bad else 'wrongly flagged'} {c.name}: {c.sql}" for c in wrong)
    assert total.percent() >= 95.0, shown
    assert total.wrong <= 3, shown
