"""Where a log event starts and ends: one line, or a multi-line Python traceback with its header line."""

from __future__ import annotations

import re

__all__ = ["event_bounds", "cut_point", "message", "is_continuation"]

_PREFIX = re.compile(
    rb"(?:(?:[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2}"
    rb"|[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(?:\.[0-9]+)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)"
    rb" (?:[^ \n]+ [^ \n:\[]+(?:\[[0-9]+\])?: )?"
    rb"|[\w.-]+ +\| )"
)
"""What a collector puts before the program's own line: journald/syslog ``Nov 22 10:02:03 host
unit[1]: ``, docker ``--timestamps``, docker compose ``web-1  | ``."""
_CONTINUATION = re.compile(
    rb"[ \t]|Traceback \(most recent call last\)|During handling of the above exception"
    rb"|The above exception was the direct cause|\[SQL: |\[parameters: |\(Background on this error at"
    # The server's DETAIL/HINT/CONTEXT lines as psycopg2 and asyncpg print them under an exception
    # (or journald under the server's ERROR line): part of that error, not events of their own.
    rb"|(?:DETAIL|HINT|CONTEXT|QUERY|STATEMENT|LOCATION|WHERE|LINE [0-9]+): "
)
_EXCEPTION_LINE = re.compile(rb"[A-Za-z_][\w.]*(?:: |$)")
MAX_LINES = 400
"""No event is followed further than this many lines in either direction."""


def message(line: bytes) -> bytes:
    """``line`` without a journald, syslog or docker prefix."""
    m = _PREFIX.match(line)
    return line[m.end() :] if m else line


def is_continuation(msg: bytes, prev_msg: bytes) -> bool:
    """Does a line (its message ``msg``) continue the event of the line before it?"""
    if not msg.strip():
        return True
    if _CONTINUATION.match(msg):
        return True
    return prev_msg[:1] in (b" ", b"\t") and _EXCEPTION_LINE.match(msg) is not None


Buffer = bytes | bytearray


def _line_at(buf: Buffer, start: int, limit: int) -> bytes:
    end = buf.find(b"\n", start, limit)
    return bytes(buf[start : limit if end < 0 else end])


def _prev_start(buf: Buffer, start: int) -> int:
    return buf.rfind(b"\n", 0, start - 1) + 1


def event_bounds(buf: Buffer, pos: int, limit: int | None = None) -> tuple[int, int]:
    """The ``[start, end)`` of the event containing offset ``pos`` (``end`` past its newline).

    Only ``buf[:limit]`` is looked at (``limit`` defaults to the whole buffer).
    """
    limit = len(buf) if limit is None else limit
    start = buf.rfind(b"\n", 0, pos) + 1
    nl = buf.find(b"\n", start, limit)
    if buf[start : start + 1].isdigit() and (nl < 0 or buf[nl + 1 : nl + 2].isdigit()):
        # the common case: a line that starts with its timestamp, followed by another such line
        return start, limit if nl < 0 else nl + 1
    first_start = start
    msg = message(_line_at(buf, start, limit))
    for _ in range(MAX_LINES):
        if start == 0:
            break
        prev = _prev_start(buf, start)
        prev_msg = message(_line_at(buf, prev, limit))
        if not is_continuation(msg, prev_msg):
            break
        start, msg = prev, prev_msg
    end = limit if nl < 0 else nl + 1
    prev_msg = message(_line_at(buf, first_start, limit))
    for _ in range(MAX_LINES):
        if end >= limit:
            break
        line = _line_at(buf, end, limit)
        msg = message(line)
        if not is_continuation(msg, prev_msg):
            break
        end = min(limit, end + len(line) + 1)
        prev_msg = msg
    return start, end


def cut_point(buf: Buffer, limit: int | None = None) -> int:
    """Where to split ``buf[:limit]`` so no complete event straddles the cut: the start of the last event head.

    Returns 0 when it holds no complete line or is a single event (the caller then reads on).
    """
    limit = len(buf) if limit is None else limit
    last_nl = buf.rfind(b"\n", 0, limit)
    if last_nl < 0:
        return 0
    start = buf.rfind(b"\n", 0, last_nl) + 1
    msg = message(bytes(buf[start:last_nl]))
    for _ in range(MAX_LINES):
        if start == 0:
            return 0
        prev = _prev_start(buf, start)
        prev_msg = message(bytes(buf[prev : start - 1]))
        if not is_continuation(msg, prev_msg):
            return start
        start, msg = prev, prev_msg
    return last_nl + 1
