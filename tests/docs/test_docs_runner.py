"""The snippet runner itself: markers, console output checks, exit codes, top-level await, config validation."""

from __future__ import annotations

from pathlib import Path

import pytest
from docs_blocks import Block, MarkerError, blocks_of, parse_marker
from docs_runners import commands, run_python, run_shell, run_toml

from pgwarden.errors import ConfigError

NO_DB = "postgresql://nobody@127.0.0.1:1/none"  # the default harness only exports it


def test_a_marker_applies_to_the_next_fence_only(tmp_path: Path) -> None:
    doc = tmp_path / "page.md"
    doc.write_text(
        '<!-- pgwarden-docs: skip reason="needs docker" -->\n\n```sh\ndocker ps\n```\n\n'
        "<!-- pgwarden-docs: exit=1 -->\n\nSome text between.\n\n```sh\npgwarden check\n```\n\n"
        "- a list item\n\n  ```python\n  print(1)\n  ```\n",
        encoding="utf-8",
    )
    first, second, third = blocks_of(doc)
    assert (first.skip_reason, first.lang, first.line) == ("needs docker", "sh", 3)
    assert second.options == {} and second.skip_reason is None
    assert (third.lang, third.source) == ("python", "print(1)\n")


def test_markers_need_a_reason_and_known_keys() -> None:
    assert parse_marker("harness=ptb exit=1,0", where="x") == {"harness": "ptb", "exit": "1,0"}
    with pytest.raises(MarkerError, match="needs reason"):
        parse_marker("skip", where="x")
    with pytest.raises(MarkerError, match="unknown pgwarden-docs key 'skipp'"):
        parse_marker('skipp reason="typo"', where="x")


def test_console_blocks_separate_commands_from_the_output_they_show() -> None:
    block = Block("x.md", 1, "", "$ pgwarden status\nNAME  ROLE\nbot   active\n\n$ echo done\n")
    assert commands(block) == [("pgwarden status", ["NAME  ROLE", "bot   active"]), ("echo done", [])]
    sh = Block("x.md", 1, "sh", "# a comment\npgwarden lint \\\n  migrations/   # trailing\n")
    assert commands(sh) == [("pgwarden lint    migrations/   # trailing", [])]


def test_shell_blocks_check_exit_codes_and_shown_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_shell(Block("x.md", 1, "sh", "true\nexit 3\n", {"exit": "0,3"}), NO_DB, tmp_path, monkeypatch)
    run_shell(Block("x.md", 1, "", "$ echo '  hello   world'\nhello world\n"), NO_DB, tmp_path, monkeypatch)
    with pytest.raises(AssertionError, match="exited 3, the docs say 0"):
        run_shell(Block("x.md", 1, "sh", "exit 3\n"), NO_DB, tmp_path, monkeypatch)
    with pytest.raises(AssertionError, match="did not print 'goodbye'"):
        run_shell(Block("x.md", 1, "", "$ echo hello\ngoodbye\n"), NO_DB, tmp_path, monkeypatch)
    with pytest.raises(AssertionError, match="names 2 exit codes for 1 commands"):
        run_shell(Block("x.md", 1, "sh", "true\n", {"exit": "0,0"}), NO_DB, tmp_path, monkeypatch)


def test_python_blocks_run_top_level_await_and_main_and_fail_loudly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "ran"
    top = (
        f"import asyncio, pathlib\nawait asyncio.sleep(0)\npathlib.Path({str(marker)!r}).write_text('top')\n"
    )
    run_python(Block("x.md", 1, "python", top), NO_DB, tmp_path, monkeypatch)
    assert marker.read_text() == "top"
    main = (
        f"import pathlib\nasync def main() -> None:\n    pathlib.Path({str(marker)!r}).write_text('main')\n"
    )
    run_python(Block("x.md", 1, "python", main), NO_DB, tmp_path, monkeypatch)
    assert marker.read_text() == "main"
    with pytest.raises(NameError, match="undefined_thing"):
        run_python(Block("x.md", 1, "python", "undefined_thing()\n"), NO_DB, tmp_path, monkeypatch)


def test_toml_blocks_go_through_pgwarden_s_validation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_toml(Block("x.md", 1, "toml", "[runtime]\nttl = 10\n"), tmp_path, monkeypatch)
    with pytest.raises(ConfigError, match="runtime"):
        run_toml(Block("x.md", 1, "toml", "[runtime]\nttl = -1\n"), tmp_path, monkeypatch)
    with pytest.raises(ConfigError, match="unknown key `tool.pgwarden.modles`"):
        run_toml(Block("x.md", 1, "toml", '[tool.pgwarden]\nmodles = "a:b"\n'), tmp_path, monkeypatch)
