"""``-- pgwarden:ignore rule[, rule] -- reason`` comments: where they apply and which went unused."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .model import Statement

_IGNORE = re.compile(rb"--[ \t]*pgwarden:ignore\b[ \t]*([^\n]*)")
_RULE_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass
class Ignore:
    """One rule id named in one ignore comment."""

    rule: str
    offset: int
    """Byte offset of the comment."""
    file_wide: bool
    statement: int = -1
    """Index (in the file's statements) of the statement it covers; -1 for a file-wide ignore."""
    used: bool = field(default=False, compare=False)


def find_ignores(data: bytes, statements: list[Statement]) -> list[Ignore]:
    """Every ignore comment of ``data`` (only real ``--`` comments, not text in strings or bodies)."""
    if b"pgwarden:ignore" not in data:
        return []
    comments = _comment_offsets(data)
    top = [s for s in statements if not s.in_block]
    first = top[0].start if top else len(data)
    found: list[Ignore] = []
    for match in _IGNORE.finditer(data):
        offset = match.start()
        if comments is not None and offset not in comments:
            continue
        rules_part = match.group(1).decode("utf-8", "replace").split("--", 1)[0]
        ids = [r.strip() for r in rules_part.split(",") if r.strip()]
        file_wide = offset < first and b"\n\n" in data[offset:first].replace(b"\r", b"")
        target = -1 if file_wide else _covered(offset, statements)
        for rule in ids or [""]:
            found.append(Ignore(rule=rule, offset=offset, file_wide=file_wide, statement=target))
    return found


def valid_id(rule: str) -> bool:
    return bool(_RULE_ID.fullmatch(rule))


def _covered(offset: int, statements: list[Statement]) -> int:
    """The statement an ignore comment at ``offset`` belongs to: the one containing it or the next."""
    best = -1
    for i, stmt in enumerate(statements):
        if stmt.in_block:
            continue
        if stmt.start <= offset < stmt.start + stmt.length or stmt.start >= offset:
            best = i
            break
    return best


def _comment_offsets(data: bytes) -> set[int] | None:
    """Byte offsets of ``--`` comments as PostgreSQL's scanner sees them (None if it cannot scan)."""
    from pglast import parser  # only for files that need the scanner

    text = data.decode("utf-8")
    try:
        tokens = parser.scan(text)
    except parser.ParseError:
        return None
    # The scanner counts characters; convert to bytes once for all comment tokens.
    offsets: set[int] = set()
    ascii_only = text.isascii()
    for tok in tokens:
        if tok.name == "SQL_COMMENT":
            offsets.add(tok.start if ascii_only else len(text[: tok.start].encode("utf-8")))
    return offsets


def covers(ignore: Ignore, rule: str, statement_index: int, parents: dict[int, int]) -> bool:
    """Whether ``ignore`` silences ``rule`` on the statement at ``statement_index``."""
    if ignore.rule != rule:
        return False
    if ignore.file_wide:
        return True
    return ignore.statement == statement_index or ignore.statement == parents.get(statement_index, -2)
