"""Every finding code has its docs page (Problem, Solution, an example finding), and every page a code."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pgwarden import codes

DOCS = Path(__file__).resolve().parents[2] / "docs" / "codes"
_EXAMPLE = re.compile(r"## Example finding\s+```json\n(.*?)\n```", re.DOTALL)


@pytest.mark.parametrize("code", codes.ALL_CODES, ids=[c.code for c in codes.ALL_CODES])
def test_code_has_a_page(code: codes.Code) -> None:
    page = DOCS / f"{code.code}.md"
    assert page.is_file(), f"{code.code} ({code.kind}) has no docs page: write {page}"
    text = page.read_text(encoding="utf-8")
    assert text.startswith(f"# {code.code} {code.kind}\n")
    for section in ("## Problem", "## Solution", "## Example finding"):
        assert section in text, f"{page.name} lacks a {section!r} section"
    match = _EXAMPLE.search(text)
    assert match, f"{page.name}: the example finding must be a JSON block"
    example = json.loads(match.group(1))
    assert (example["code"], example["kind"]) == (code.code, code.kind)
    assert example["message"] and example["hint"]


def test_every_page_belongs_to_a_code() -> None:
    known = {c.code for c in codes.ALL_CODES}
    orphans = sorted(p.name for p in DOCS.glob("PW*.md") if p.stem not in known)
    assert orphans == []


def test_codes_and_kinds_are_unique() -> None:
    assert len({c.code for c in codes.ALL_CODES}) == len(codes.ALL_CODES)
    assert len({c.kind for c in codes.ALL_CODES}) == len(codes.ALL_CODES)
