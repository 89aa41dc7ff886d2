"""The linter on inputs that stress it: deep nesting, and enough files to use both cores."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pytest

from pgwarden.findings import Finding, Severity
from pgwarden.lint import engine
from pgwarden.lint._parallel import MIN_FILES
from pgwarden.lint.rules import ALL_RULES

SETTINGS = engine.Settings(rules=ALL_RULES)


def test_deeply_nested_statement_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "001_deep.sql"
    path.write_text("SELECT " + "+".join(["1"] * 3000) + ";\n")
    found = engine.lint_paths([path], SETTINGS)
    assert [f.kind for f in found] == ["unreadable-file"]
    assert "nested too deeply" in found[0].message


def test_two_processes_give_the_same_findings_in_the_same_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(MIN_FILES + 20):
        (tmp_path / f"{i:04d}_step.sql").write_text(
            f"ALTER TABLE t{i} ADD COLUMN c{i} varchar(10) NOT NULL;\nCREATE INDEX i{i} ON t{i} (c{i});\n"
        )
    settings = SETTINGS
    monkeypatch.setattr(engine, "worth_forking", lambda n: True)
    forked = engine.lint_paths([tmp_path], settings)
    monkeypatch.setattr(engine, "worth_forking", lambda n: False)
    single = engine.lint_paths([tmp_path], settings)
    assert forked == single
    assert len(single) >= 2 * (MIN_FILES + 20)


@pytest.mark.parametrize("fork", [True, False])
def test_a_failing_folder_check_refuses_the_run_with_or_without_a_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fork: bool
) -> None:
    for i in range(MIN_FILES + 20):
        (tmp_path / f"{i:04d}_step.sql").write_text(f"CREATE INDEX i{i} ON t (c{i});\n")
    checked: list[bool] = []

    def check() -> None:
        checked.append(True)
        raise engine.UsageError("the folder is refused")

    monkeypatch.setattr(engine, "worth_forking", lambda n: fork)
    with pytest.raises(engine.UsageError, match="refused"):
        engine.lint_paths([tmp_path], SETTINGS, check=check)
    assert checked == [True]
    # with the check passing, the same run lints every file, the check called once
    checked.clear()
    found = engine.lint_paths([tmp_path], SETTINGS, check=lambda: checked.append(True))
    assert checked == [True]
    assert len({f.object.rsplit(":", 2)[0] for f in found}) == MIN_FILES + 20


def test_a_second_process_only_when_a_core_is_spare(monkeypatch: pytest.MonkeyPatch) -> None:
    from pgwarden.lint import _parallel

    monkeypatch.setattr(_parallel.os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.setattr(_parallel.sys, "platform", "linux")
    monkeypatch.setattr(_parallel.threading, "active_count", lambda: 1)
    monkeypatch.setattr(_parallel, "_runnable", lambda: 1)  # this process only
    assert _parallel.worth_forking(MIN_FILES)
    assert not _parallel.worth_forking(MIN_FILES - 1)
    monkeypatch.setattr(_parallel, "_runnable", lambda: 2)  # one other: the pair still gains
    assert _parallel.worth_forking(MIN_FILES)
    monkeypatch.setattr(_parallel, "_runnable", lambda: 3)  # both cores taken by others
    assert not _parallel.worth_forking(MIN_FILES)
    monkeypatch.setattr(_parallel.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    assert _parallel.worth_forking(MIN_FILES)


def test_the_processes_ready_to_run_are_read_from_the_kernel() -> None:
    from pgwarden.lint import _parallel

    assert _parallel._runnable() >= 1  # at least the test itself


def _one_each(files: Sequence[Path]) -> list[Finding]:
    return [Finding("x", "x", Severity.INFO, str(path), "m", source="lint") for path in files]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the second process is forked")
@pytest.mark.parametrize("count", [MIN_FILES, 1000, 255 * 16 + 1])
def test_batches_taken_by_either_process_come_back_in_order(count: int) -> None:
    from pgwarden.lint._parallel import lint_split

    files = [Path(f"{i:05d}.sql") for i in range(count)]
    assert lint_split(files, _one_each) == _one_each(files)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the second process is forked")
def test_the_batches_of_a_failing_child_are_linted_here() -> None:
    from pgwarden.lint._parallel import lint_split

    parent = os.getpid()
    mine: list[int] = []

    def fails_in_the_child(files: Sequence[Path]) -> list[Finding]:
        if os.getpid() != parent:
            raise RuntimeError("the child breaks")
        mine.append(len(files))
        return _one_each(files)

    files = [Path(f"{i:04d}.sql") for i in range(1000)]
    assert lint_split(files, fails_in_the_child) == _one_each(files)
    assert sum(mine) == len(files)  # every batch here, the child's included
