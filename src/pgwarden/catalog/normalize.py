"""Normalising function bodies so that formatting is never drift."""

from __future__ import annotations

import hashlib
import re

# One token at a time: quoted strings, dollar-quoted strings and quoted identifiers are kept
# verbatim; comments are dropped; runs of white space become one space.
_TOKEN = re.compile(
    r"""
    (?P<dollar>\$(?P<tag>[A-Za-z_][A-Za-z_0-9]*)?\$.*?\$(?P=tag)?\$)
  | (?P<string>'(?:[^']|'')*')
  | (?P<ident>"(?:[^"]|"")*")
  | (?P<line>--[^\n]*)
  | (?P<block>/\*.*?\*/)
  | (?P<space>\s+)
  | (?P<other>[^'"$\s/-]+|.)
    """,
    re.VERBOSE | re.DOTALL,
)


def normalize_body(body: str) -> str:
    """The body without comments, with white space collapsed, keywords and names lower-cased.

    Text inside quotes and dollar quotes is left as it is: it may be data.
    """
    parts: list[str] = []
    for match in _TOKEN.finditer(body):
        kind = match.lastgroup
        if kind in ("line", "block") or kind == "space":
            parts.append(" ")
        elif kind == "other":
            parts.append(match.group().lower())
        else:
            parts.append(match.group())
    text = re.sub(r" {2,}", " ", "".join(parts)).strip()
    # White space next to punctuation carries no meaning: "f( a , b )" == "f(a, b)".
    return re.sub(r" ?([(),;=<>+*/|:\[\]]) ?", r"\1", text)


def body_hash(body: str, config: list[str] | None = None) -> str:
    """sha256 of the normalised body plus the function's ``SET`` options."""
    text = normalize_body(body)
    if config:
        text += "\n" + "\n".join(sorted(config))
    return hashlib.sha256(text.encode()).hexdigest()
