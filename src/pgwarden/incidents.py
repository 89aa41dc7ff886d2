"""The five incidents pgwarden was built from, and references to them ("incident 002") made followable."""

from __future__ import annotations

import re

__all__ = ["DOC", "INCIDENTS", "anchor", "cite_html", "cite_text", "numbers"]

DOC = "docs/incidents.md"
"""Where the incidents are told in full, relative to the project's root."""

INCIDENTS: dict[str, str] = {
    "000": "Old code asked for a renamed column (started_at) every ten minutes",
    "001": "Rows a trigger should have created (chat rooms) were missing",
    "002": "Two pollers, unawaited coroutines, timeouts, memory growth and restart loops",
    "003": "The tables vanished and the bot recreated them empty",
    "004": "A migration assumed a column a legacy table did not have",
}
"""One line per incident, for pages that carry their own short index (the doctor's HTML report)."""

# "incident 002", "incidents 002 and 003", "incidents 002, 003": the numbers are what links.
_REF = re.compile(r"\b(incidents?) ((?:00\d)(?:(?:, | and | or )00\d)*)\b")
_NUMBER = re.compile(r"00\d")


def anchor(number: str) -> str:
    """The anchor of an incident in docs/incidents.md and in the HTML report: ``incident-002``."""
    return f"incident-{number}"


def numbers(text: str) -> list[str]:
    """The known incidents ``text`` refers to, in order, each once."""
    found: list[str] = []
    for match in _REF.finditer(text):
        for number in _NUMBER.findall(match.group(2)):
            if number in INCIDENTS and number not in found:
                found.append(number)
    return found


def cite_text(text: str) -> str:
    """``text`` with the doc's path after every incident reference, for a terminal.

    ``... (incident 002).`` becomes ``... (incident 002, docs/incidents.md#incident-002).``
    """

    def repl(match: re.Match[str]) -> str:
        known = [n for n in _NUMBER.findall(match.group(2)) if n in INCIDENTS]
        if not known:
            return match.group(0)
        where = ", ".join(f"{DOC}#{anchor(n)}" for n in known)
        return f"{match.group(0)}, {where}" if _closed(match) else f"{match.group(0)} ({where})"

    return _REF.sub(repl, text)


def _closed(match: re.Match[str]) -> bool:
    """Is the reference inside parentheses, so the path joins it there instead of opening new ones?"""
    before = match.string[: match.start()]
    return before.rfind("(") > before.rfind(")")


def cite_html(escaped: str, href: str = "#") -> str:
    """Already escaped HTML with every incident number a link to its anchor.

    ``href`` is what comes before the anchor: ``#`` for a page that holds the incidents,
    ``docs/incidents.md#`` for a page next to the docs.
    """

    def link(number: re.Match[str]) -> str:
        n = number.group(0)
        return f'<a href="{href}{anchor(n)}">{n}</a>' if n in INCIDENTS else n

    def repl(match: re.Match[str]) -> str:
        known = [n for n in _NUMBER.findall(match.group(2)) if n in INCIDENTS]
        if len(known) == 1 and known[0] == match.group(2):
            return f'<a href="{href}{anchor(known[0])}">{match.group(0)}</a>'
        return f"{match.group(1)} {_NUMBER.sub(link, match.group(2))}"

    return _REF.sub(repl, escaped)
