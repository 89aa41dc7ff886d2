"""identifier-over-63-bytes: PostgreSQL silently truncates longer names."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source

_LIMIT = 63
# A cheap pre-filter; the scanner then decides what is really an identifier.
_LONG = re.compile(rb'[A-Za-z_\x80-\xff][A-Za-z0-9_$\x80-\xff]{63,}|"(?:[^"]|""){64,}"')
# Identifier bytes -> "a", others -> " ": a 64-byte name shows as 64 "a"s in a row.
_WORD_BYTES = bytes(
    ord("a") if b >= 0x80 or chr(b).isalnum() or chr(b) in "_$" else ord(" ") for b in range(256)
)


def _may_have_long_name(data: bytes) -> bool:
    """A fast necessary condition for ``_LONG`` to match in some statement of the file."""
    # Statements are slices of the file, so a long word in one is a long word in the file;
    # quoted names may hold any byte, so a quote sends the file to the regex.
    return b'"' in data or b"a" * 64 in data.translate(_WORD_BYTES)


def check(source: Source) -> Iterator[Hit]:
    if not _may_have_long_name(source.data):
        return
    for stmt in source.statements:
        raw = source.text_of(stmt)
        if stmt.in_block or not _LONG.search(raw):
            continue
        text = raw.decode("utf-8", "replace")
        from pglast import parser  # only statements with a long word get here

        try:
            tokens = parser.scan(text)
        except parser.ParseError:
            continue
        for tok in tokens:
            if tok.name != "IDENT":
                continue
            name = text[tok.start : tok.end + 1]
            if name.startswith('"'):
                name = name[1:-1].replace('""', '"')  # a doubled quote is one byte of the name
            size = len(name.encode("utf-8"))
            if size > _LIMIT:
                offset = stmt.start + len(text[: tok.start].encode("utf-8"))
                yield Hit(
                    stmt,
                    f"Name {name[:24]}… is {size} bytes; PostgreSQL cuts it to 63, so the object gets another name than the code uses.",
                    offset=offset,
                    evidence={"name": name},
                )


RULE = Rule(
    id="identifier-over-63-bytes",
    severity=Severity.WARNING,
    problem="Identifiers longer than 63 bytes are cut silently; two long names can collide, and a later DROP or ALTER by the full name fails.",
    help="Shorten the name to at most 63 bytes (non-ASCII letters take 2–4 bytes each).",
    bad="CREATE TABLE jobs (this_column_name_is_far_too_long_for_postgresql_to_keep_it_whole_x bigint);",
    good="CREATE TABLE jobs (short_name bigint);",
    check=check,
)
