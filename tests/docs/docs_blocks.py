"""The fenced code blocks of README.md and docs/*.md, with the ``pgwarden-docs`` marker before each.

Markdown is parsed with markdown-it-py (CommonMark, already installed with rich), so a fence
inside a list item or a block quote is found like any other. A marker is an HTML comment on
the lines right before a fence (blank lines between are fine)::

    <!-- pgwarden-docs: skip reason="needs a journald unit" -->
    <!-- pgwarden-docs: harness=aiogram -->
    <!-- pgwarden-docs: harness=incident001 exit=1,0,0 -->

docs/contributing-docs.md describes the keys.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parents[2]

_MARKER = re.compile(r"<!--\s*pgwarden-docs:(?P<body>.*?)-->", re.DOTALL)
_KEYS = {"skip", "reason", "harness", "exit"}


OUTCOMES: list[tuple[str, str, str]] = []
"""(block id, "ran" | "skipped", reason) for every block this session ran or skipped: the summary line's source."""


class MarkerError(ValueError):
    """A ``pgwarden-docs`` marker that cannot be understood."""


@dataclass(frozen=True)
class Block:
    """One fenced code block and what its marker says about running it."""

    file: str
    """Path relative to the repository root, e.g. ``docs/runtime.md``."""
    line: int
    """1-based line of the opening fence."""
    lang: str
    source: str
    options: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.file}:{self.line}-{self.lang or 'text'}"

    @property
    def skip_reason(self) -> str | None:
        if "skip" not in self.options:
            return None
        return self.options.get("reason") or "no reason given"

    @property
    def harness(self) -> str:
        return self.options.get("harness", "default")


def documents() -> list[Path]:
    """README.md and every Markdown file directly in docs/ (docs/codes and docs/rules have their own tests)."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def parse_marker(text: str, *, where: str) -> dict[str, str]:
    """``skip reason="…" harness=x`` -> ``{"skip": "", "reason": "…", "harness": "x"}``."""
    options: dict[str, str] = {}
    for word in shlex.split(text):
        key, _, value = word.partition("=")
        if key not in _KEYS:
            raise MarkerError(
                f"{where}: unknown pgwarden-docs key {key!r}; known: {', '.join(sorted(_KEYS))}"
            )
        options[key] = value
    if "skip" in options and not options.get("reason"):
        raise MarkerError(f'{where}: a skip marker needs reason="why this block cannot run as written"')
    return options


def blocks_of(path: Path) -> list[Block]:
    """Every fenced block of one Markdown file, in order."""
    rel = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name
    tokens = MarkdownIt("commonmark").parse(path.read_text(encoding="utf-8"))
    found: list[Block] = []
    pending: dict[str, str] = {}
    for token in tokens:
        if token.type == "html_block":
            match = _MARKER.search(token.content)
            if match:
                line = token.map[0] + 1 if token.map else 0
                pending = parse_marker(match["body"], where=f"{rel}:{line}")
            continue
        if token.type == "fence":
            assert token.map is not None
            lang = token.info.split()[0].lower() if token.info.strip() else ""
            found.append(Block(rel, token.map[0] + 1, lang, token.content, pending))
            pending = {}
        elif token.type in ("paragraph_open", "heading_open", "table_open"):
            # A marker belongs to the very next block: text in between would make that ambiguous.
            pending = {}
    return found


def all_blocks() -> list[Block]:
    return [block for path in documents() for block in blocks_of(path)]
