"""Event boundaries: a traceback with its header line is one event, with or without collector prefixes."""

from __future__ import annotations

from pgwarden.doctor.events import cut_point, event_bounds, message

TRACEBACK = (
    b"2026-11-22 10:10:00,017 - app.monitor - ERROR - lookup failed\n"
    b"Traceback (most recent call last):\n"
    b'  File "/app/x.py", line 88, in f\n'
    b"    result = await session.execute(stmt)\n"
    b"             ^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
    b"asyncpg.exceptions.UndefinedColumnError: column conversations.started_at does not exist\n"
    b"\n"
    b"The above exception was the direct cause of the following exception:\n"
    b"\n"
    b"Traceback (most recent call last):\n"
    b'  File "/app/y.py", line 9, in g\n'
    b"    await f()\n"
    b"sqlalchemy.exc.ProgrammingError: (sqlalchemy.dialects.postgresql.asyncpg.ProgrammingError) column\n"
    b"[SQL: SELECT conversations.started_at FROM conversations]\n"
    b"(Background on this error at: https://sqlalche.me/e/20/f405)\n"
)
BEFORE = b"2026-11-22 10:09:59,000 - app - INFO - tick\n"
AFTER = b"2026-11-22 10:10:01,000 - app - INFO - tock\n"


def _event(buf: bytes, needle: bytes) -> bytes:
    start, end = event_bounds(buf, buf.index(needle))
    return buf[start:end]


def test_traceback_is_one_event_from_any_line_in_it() -> None:
    buf = BEFORE + TRACEBACK + AFTER
    for needle in (b"lookup failed", b"UndefinedColumnError", b"[SQL:", b"await f()", b"Background on"):
        assert _event(buf, needle) == TRACEBACK, needle


def test_single_lines_are_their_own_events() -> None:
    buf = BEFORE + AFTER + BEFORE
    assert _event(buf, b"tock") == AFTER
    assert _event(buf, b"tick") == BEFORE


def test_journald_prefixed_traceback_is_one_event() -> None:
    lines = TRACEBACK.decode().splitlines()
    prefixed = "".join(f"Nov 22 10:10:00 vps python3[4242]: {line}\n" for line in lines).encode()
    before = b"Nov 22 10:09:59 vps python3[4242]: 2026-11-22 10:09:59,000 INFO tick\n"
    buf = before + prefixed + before
    assert _event(buf, b"UndefinedColumnError") == prefixed


def test_docker_timestamps_prefix_is_stripped() -> None:
    assert message(b"2026-11-22T10:02:03.123456789Z   File x") == b"  File x"
    assert message(b"web-1  | Traceback (most recent call last):") == b"Traceback (most recent call last):"
    assert message(b"2026-11-22 10:02:03,123 INFO x") == b"2026-11-22 10:02:03,123 INFO x"


def test_cut_point_never_splits_an_event() -> None:
    buf = BEFORE + TRACEBACK
    assert cut_point(buf) == len(BEFORE)  # the traceback may go on in the next block
    assert cut_point(buf + AFTER) == len(BEFORE + TRACEBACK)
    assert cut_point(b"no newline yet") == 0
    assert cut_point(TRACEBACK) == 0
