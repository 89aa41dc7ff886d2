"""Decoding log lines in any encoding: UTF-8 first, then the legacy code page the bytes look like."""

from __future__ import annotations

import re

__all__ = ["decode_line", "is_utf8"]

_HIGH_RUN = re.compile(rb"[\xc0-\xff]{3,}")
"""Three high bytes in a row: a word in a Cyrillic code page, rare in Latin-1 text (é, ñ, ü stand alone)."""


def is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode_line(raw: bytes) -> str:
    """``raw`` as text: UTF-8 when it is, else cp1251 or cp1252/Latin-1, never an exception.

    A server whose ``lc_messages`` or client encoding is a legacy code page writes such lines; the
    ASCII part (``password authentication failed``) must still match its signature.
    """
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    codec = "cp1251" if _HIGH_RUN.search(raw) else "cp1252"
    # cp1252 leaves five bytes undefined; "replace" keeps the line instead of failing on them
    return raw.decode(codec, "replace")
