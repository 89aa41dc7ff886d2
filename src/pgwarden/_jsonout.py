"""Indented JSON reports written by orjson, byte for byte what ``json.dumps(doc, indent=2, default=str)`` writes.

The standard library's encoder took ~0.25 s (and its pieces, redacted line by line, more) for a
6 MB report of 8,000 lint findings; orjson takes ~15 ms. The two agree on layout (two-space
indent, ``", "``-free separators, ``[]``/``{}`` for empty containers) and on string escapes except
one: the standard library writes DEL and non-ASCII characters as ``\\uXXXX``, so those are escaped
afterwards the same way. Where they would differ in more than that — floats (``1e+16`` against
``1e16``, ``NaN``), integers beyond 64 bits, non-string keys, objects that orjson serialises itself
but ``default=str`` would stringify (dataclasses, datetimes, enums) — the document is not plain and
the standard library writes it, as before.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson

__all__ = ["dumps", "is_plain", "plain_strings"]

_PRINTABLE_ASCII = bytes(range(0x7F))
"""Bytes the standard library writes as they are (orjson escapes the control characters alike)."""


def dumps(doc: Any, *, plain: bool | None = None, as_dicts: Callable[[], Any] | None = None) -> str:
    """``json.dumps(doc, indent=2, default=str)``, faster when ``doc`` holds plain JSON values only.

    ``plain``: the caller already checked that with :func:`is_plain` (or knows which parts need it).
    ``as_dicts``: with ``plain``, for a ``doc`` holding dataclasses that orjson writes as the dicts
    this makes of them (fields in order, their values plain): ``doc`` as those dicts, for the
    standard library when orjson cannot write it.
    """
    if not (is_plain(doc) if plain is None else plain):
        return json.dumps(doc, indent=2, default=str)
    try:
        raw = orjson.dumps(doc, option=orjson.OPT_INDENT_2)
    except TypeError:  # a lone surrogate in a string: the standard library writes it escaped
        return json.dumps(doc if as_dicts is None else as_dicts(), indent=2, default=str)
    if not raw.isascii() or b"\x7f" in raw:
        raw = _escaped(raw)
    return raw.decode("ascii")


def _escaped(raw: bytes) -> bytes:
    """``raw`` with what orjson leaves and the standard library escapes, DEL and every non-ASCII
    character, written as the standard library writes it.

    Few distinct characters (dashes, quotes) over megabytes. Each is found by its first byte, which
    no other byte of UTF-8 equals: ``bytes.find`` of one byte runs at memory speed, of the three of
    a dash ~50 times slower (4.5 ms over a 6.7 MB SARIF log; ``bytes.replace`` counts them first).
    """
    escapes = {
        c.encode("utf-8"): _escape(c).encode("ascii")
        for c in set(raw.translate(None, _PRINTABLE_ASCII).decode("utf-8"))
    }
    for lead in {sequence[:1] for sequence in escapes}:
        size = _UTF8_LENGTH[lead[0] >> 4]
        view = memoryview(raw)  # its slices are not copies: one copy of the document is made, by join
        parts: list[bytes | memoryview] = []
        start, at = 0, raw.find(lead)
        while at >= 0:
            parts += (view[start:at], escapes[raw[at : at + size]])
            start = at + size
            at = raw.find(lead, start)
        parts.append(view[start:])
        raw = b"".join(parts)
        del parts, view
    return raw


_UTF8_LENGTH = (1,) * 8 + (0,) * 4 + (2, 2, 3, 4)
"""A UTF-8 sequence's length by the high four bits of its first byte (0: not a first byte)."""


def _escape(char: str) -> str:
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # a UTF-16 surrogate pair, as the standard library writes it
    return f"\\u{0xD800 | (code >> 10):04x}\\u{0xDC00 | (code & 0x3FF):04x}"


_MAX = 2**63 - 1


def is_plain(value: object) -> bool:
    """Whether ``value`` is made of exact str, bool, int (64-bit), None, list, tuple and str-keyed dict."""
    return _walk(value, None)


def plain_strings(value: object) -> list[str] | None:
    """Every string in ``value`` (dict keys too) when it :func:`is_plain`, else ``None``."""
    strings: list[str] = []
    return strings if _walk(value, strings) else None


def _walk(value: object, strings: list[str] | None) -> bool:
    stack = [value]  # a loop, not recursion: a report holds ~100,000 values
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str:
            if strings is not None:
                strings.append(item)  # type: ignore[arg-type]  # exactly a str, as ``kind`` says
            continue
        if item is None or kind is bool:
            continue
        if isinstance(item, int) and kind is int:
            if not -_MAX - 1 <= item <= _MAX:
                return False
        elif isinstance(item, dict) and kind is dict:
            for key, inner in item.items():
                if type(key) is not str:
                    return False
                if strings is not None:
                    strings.append(key)
                if type(inner) is not str:
                    stack.append(inner)
                elif strings is not None:
                    strings.append(inner)
        elif isinstance(item, (list, tuple)) and kind in (list, tuple):
            stack.extend(item)
        else:
            return False
    return True
