"""Incident references: the doc tells every incident, and every reference in docs and output can be followed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pgwarden import incidents

ROOT = Path(__file__).resolve().parents[2]
_FENCE = re.compile(r"```.*?```", re.DOTALL)
_CODE = re.compile(r"`[^`\n]*`")
_LINKS = re.compile(r"\[[^\]]*\]\(([^)]+)\)")


def _prose(path: Path) -> str:
    """A Markdown file without code blocks and inline code: the text a reader follows."""
    return _CODE.sub("", _FENCE.sub("", path.read_text(encoding="utf-8")))


def test_the_doc_tells_every_incident_with_its_anchor() -> None:
    text = (ROOT / incidents.DOC).read_text(encoding="utf-8")
    for number in incidents.INCIDENTS:
        assert f'<a id="{incidents.anchor(number)}"></a>\n## Incident {number}: ' in text
        section = text.split(f'id="incident-{number}"')[1].split("<a id=")[0]
        for part in ("**What happened.**", "**How it was found.**", "**What pgwarden does.**"):
            assert part in section, f"incident {number} lacks {part}"


_DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


@pytest.mark.parametrize("path", _DOCS, ids=[str(p.relative_to(ROOT)) for p in _DOCS])
def test_docs_link_every_incident_and_nothing_outside_the_repository(path: Path) -> None:
    prose = _prose(path)
    unlinked = re.findall(r"(?<!\[)\bincidents? 00\d\b(?!\]\()", _LINKS.sub("", prose))
    assert unlinked == [], f"{path.name}: incident references without a link"
    for target in _LINKS.findall(prose):
        if "://" in target:
            continue
        file = target.split("#")[0]
        resolved = (path.parent / file).resolve() if file else path
        assert resolved.is_relative_to(ROOT), f"{path.name} points outside the repository: {target}"
        assert resolved.exists(), f"{path.name} links to a missing file: {target}"
        anchor = target.partition("#")[2]
        if anchor.startswith("incident-"):
            assert anchor.removeprefix("incident-") in incidents.INCIDENTS


def test_terminal_text_carries_the_docs_path() -> None:
    assert incidents.cite_text("old code (incident 000).") == (
        "old code (incident 000, docs/incidents.md#incident-000)."
    )
    assert incidents.cite_text("This is incident 004: x") == (
        "This is incident 004 (docs/incidents.md#incident-004): x"
    )
    assert incidents.cite_text("restarts (incidents 002 and 003).").count("docs/incidents.md#") == 2
    assert incidents.cite_text("no reference here") == "no reference here"


def test_html_links_each_number() -> None:
    assert incidents.cite_html("(incident 001)", "docs/incidents.md#") == (
        '(<a href="docs/incidents.md#incident-001">incident 001</a>)'
    )
    assert incidents.numbers("incidents 003 and 002; incident 003") == ["003", "002"]
