"""Which command lines the console entry runs without the cycle collector from process start."""

from __future__ import annotations

import pytest

from pgwarden import _collector


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["diff", "--from", "db", "--to", "snapshot"], "diff"),
        (["--config", "diff", "run", "--", "python", "bot.py"], "run"),  # a config file named diff
        (["--config=snapshot", "-v", "--no-color", "lint", "."], "lint"),
        (["--traceback", "--color", "snapshot", "-o", "-"], "snapshot"),
        (["-v", "--verbose", "diff"], "diff"),
        (["--help", "diff"], None),  # click decides
        (["--version"], None),
        (["--config"], None),
        ([], None),
    ],
)
def test_the_command_is_the_first_word_after_the_global_options(argv: list[str], command: str | None) -> None:
    assert _collector.command_of(argv) == command


def test_only_diff_and_snapshot_are_paused(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(_collector.gc, "disable", lambda: calls.append("disable"))
    assert _collector.pause_from_start(["--config", "diff", "run", "python"]) is False
    assert _collector.pause_from_start(["check"]) is False
    assert calls == []
    assert _collector.pause_from_start(["diff", "--from", "db", "--to", "snapshot"]) is True
    assert _collector.pause_from_start(["snapshot"]) is True
    assert calls == ["disable", "disable"]


def test_check_and_migrate_skip_only_the_last_collection() -> None:
    assert _collector.skips_final_collection(["-v", "check", "--db", "x"])
    assert _collector.skips_final_collection(["migrate", "up"])
    assert _collector.skips_final_collection(["diff"]) and _collector.skips_final_collection(["snapshot"])
    assert not _collector.skips_final_collection(["--config", "check", "lint", "."])
    assert not _collector.skips_final_collection(["run", "--", "python", "bot.py"])
    assert "check" not in _collector.PAUSED_FROM_START and "migrate" not in _collector.PAUSED_FROM_START


@pytest.mark.parametrize("paused", [True, False])
@pytest.mark.parametrize("enabled", [True, False])
def test_a_block_runs_paused_or_collecting_and_leaves_the_collector_as_found(
    paused: bool, enabled: bool
) -> None:
    before = _collector.gc.isenabled()
    try:
        (_collector.gc.enable if enabled else _collector.gc.disable)()
        with _collector.cycle_collector(paused=paused):
            assert _collector.gc.isenabled() is not paused
        assert _collector.gc.isenabled() is enabled
    finally:
        (_collector.gc.enable if before else _collector.gc.disable)()
