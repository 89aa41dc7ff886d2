"""Scanning log blocks: prefilter, cut into events, classify, and tally incidents and unclassified groups."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from functools import lru_cache
from multiprocessing import get_context

import orjson

from . import signature_catalog
from .cluster import Cluster, Drain
from .encoding import decode_line, is_utf8
from .events import cut_point, event_bounds, message
from .matcher import Prefilter, classify, prefilter
from .reader import read_range, split_ranges
from .timestamps import line_time, local_zone

__all__ = ["Result", "Scanner", "Tally", "scan_file_parallel", "default_jobs"]

MAX_EXAMPLES = 3
MAX_EXAMPLE_CHARS = 4000
EXAMPLE_TRIES = 100
"""Distinct examples are looked for among the first events only: later ones cost time and add little."""
BLOCK_HINT = (8 << 20) + (1 << 20)
"""The work buffer's starting size: a reader's block plus room for the unfinished event before it."""
MAX_CARRY = 64 << 20
"""An event longer than this is cut: memory stays bounded on a file with no newlines."""
PARALLEL_MIN_BYTES = 64 << 20
_DIGITS = re.compile(r"\d+")
_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
_LEADING_TIME = re.compile(rb"\[?[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9:]{8}[.,]?[0-9]*(?:Z|[+-][0-9:]{4,5})?\]?")
_IGNORED = Cluster(["(not", "an", "event)"])
MAX_MINUTES = 1440
"""Distinct minutes a tally counts before it keeps hours only: enough to draw a day in minutes."""
SEEN_LIMIT = 20_000
"""Distinct events remembered for repeats; the memory stays bounded on logs that never repeat."""
_MESSAGE_KEYS = ("MESSAGE", "message", "msg", "log", "event", "text")
_EXTRA_KEYS = ("exc_info", "exception", "exc_text", "stack_trace", "traceback", "stack")
_TIME_KEYS = ("time", "timestamp", "@timestamp", "asctime", "ts", "t", "date")


@dataclass
class Tally:
    """What one signature matched: how often, when, a few distinct examples, counts per hour.

    Counts per minute are kept too while they fit in ``MAX_MINUTES`` distinct minutes, so a
    short log's timeline can have bars narrower than an hour; ``minutes`` is ``None`` after.
    """

    count: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    examples: list[str] = field(default_factory=list)
    example_keys: set[str] = field(default_factory=set)
    hours: dict[int, int] = field(default_factory=dict)
    minutes: dict[int, int] | None = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """No more examples are looked for."""
        return len(self.examples) >= MAX_EXAMPLES or self.count >= EXAMPLE_TRIES

    def note(self, text: str | None, when: datetime | None) -> None:
        self.count += 1
        if text is not None and len(self.examples) < MAX_EXAMPLES and self.count <= EXAMPLE_TRIES:
            key = _DIGITS.sub("0", text[:MAX_EXAMPLE_CHARS])
            if key not in self.example_keys:
                self.example_keys.add(key)
                self.examples.append(text[:MAX_EXAMPLE_CHARS])
        if when is not None:
            if self.first_seen is None or when < self.first_seen:
                self.first_seen = when
            if self.last_seen is None or when > self.last_seen:
                self.last_seen = when
            minute = int(when.timestamp()) // 60
            hour = minute // 60
            self.hours[hour] = self.hours.get(hour, 0) + 1
            minutes = self.minutes
            if minutes is not None:
                if minute in minutes:
                    minutes[minute] += 1
                elif len(minutes) < MAX_MINUTES:
                    minutes[minute] = 1
                else:
                    self.minutes = None

    def merge(self, other: Tally) -> None:
        self.count += other.count
        for text in other.examples:
            key = _DIGITS.sub("0", text)
            if len(self.examples) < MAX_EXAMPLES and key not in self.example_keys:
                self.example_keys.add(key)
                self.examples.append(text)
        for when in (other.first_seen, other.last_seen):
            if when is not None:
                if self.first_seen is None or when < self.first_seen:
                    self.first_seen = when
                if self.last_seen is None or when > self.last_seen:
                    self.last_seen = when
        for hour, n in other.hours.items():
            self.hours[hour] = self.hours.get(hour, 0) + n
        if self.minutes is not None and other.minutes is not None:
            for minute, n in other.minutes.items():
                self.minutes[minute] = self.minutes.get(minute, 0) + n
            if len(self.minutes) > MAX_MINUTES:
                self.minutes = None
        elif other.count:
            self.minutes = None


@dataclass
class Result:
    tallies: dict[str, Tally] = field(default_factory=dict)
    drain: Drain = field(default_factory=Drain)
    bytes_read: int = 0
    events: int = 0
    """Events that matched a signature or looked like a problem."""
    before_since: int = 0
    garbage_lines: int = 0
    """Lines with control bytes: binary, not text."""
    legacy_lines: int = 0
    """Lines that were not UTF-8 and were decoded as cp1251 or cp1252 (Latin-1)."""

    def merge(self, other: Result) -> None:
        for sig_id, tally in other.tallies.items():
            self.tallies.setdefault(sig_id, Tally()).merge(tally)
        self.drain.merge(other.drain)
        self.bytes_read += other.bytes_read
        self.events += other.events
        self.before_since += other.before_since
        self.garbage_lines += other.garbage_lines
        self.legacy_lines += other.legacy_lines


@lru_cache(maxsize=2)
def _prefilter(engine: str | None) -> Prefilter:
    return prefilter(signature_catalog.load(), engine=engine)


class Scanner:
    """Feeds streams of blocks through the prefilter and tallies what it finds into ``result``."""

    def __init__(
        self,
        *,
        since: datetime | None = None,
        engine: str | None = None,
        now: datetime | None = None,
        zone: tzinfo | None = None,
    ):
        self.signatures = signature_catalog.load()
        self.prefilter = _prefilter(engine)
        self.since = since
        self.now = now or datetime.now().astimezone()
        self.local = zone or local_zone()
        """The zone of log times that name none: ``--tz``, else this host's."""
        self.result = Result()
        self._seen: dict[bytes, Tally | Cluster] = {}

    def feed(self, chunks: Iterable[bytes | memoryview]) -> None:
        """Scan one source; events never straddle two blocks.

        Blocks are copied into one reused work buffer (the previous block's unfinished event
        first), so scanning allocates nothing per block whatever the file size.
        """
        work = bytearray(BLOCK_HINT)
        filled = 0
        json_mode: bool | None = None
        for chunk in chunks:
            n = len(chunk)
            self.result.bytes_read += n
            if filled + n > len(work):
                work.extend(bytes(filled + n - len(work)))
            work[filled : filled + n] = chunk
            filled += n
            if json_mode is None:
                head = bytes(work[: min(filled, 4096)]).lstrip()[:1]
                json_mode = None if not head else head == b"{"
            cut = work.rfind(b"\n", 0, filled) + 1 if json_mode else cut_point(work, filled)
            if cut == 0:
                if filled < MAX_CARRY:
                    continue
                cut = filled
            self._block(work, cut, bool(json_mode))
            rest = filled - cut
            work[0:rest] = work[cut:filled]
            filled = rest
        if filled:
            self._block(work, filled, bool(json_mode))

    def _block(self, buf: bytearray, cut: int, json_mode: bool) -> None:
        """Scan ``buf[:cut]``, which ends where an event starts."""
        with memoryview(buf) as view:
            hits = self.prefilter.scan(view[:cut])
        n = len(hits)
        i = 0
        while i < n:
            pos = max(hits[i][0] - 1, 0)
            if json_mode:
                start = buf.rfind(b"\n", 0, pos) + 1
                nl = buf.find(b"\n", pos, cut)
                stop = cut if nl < 0 else nl + 1
            else:
                start, stop = event_bounds(buf, pos, cut)
            candidates = set()
            while i < n and hits[i][0] <= stop:
                candidates.add(hits[i][1])
                i += 1
            self._event(bytes(buf[start:stop]), candidates, json_mode)

    def _event(self, raw: bytes, candidates: set[int], json_mode: bool) -> None:
        if self.prefilter.garbage_id in candidates:
            lines = raw.rstrip(b"\n").split(b"\n")
            binary = sum(1 for line in lines if _CONTROL.search(line))
            self.result.garbage_lines += binary
            # text in a legacy code page is still text: decoded below, matched like any other line
            self.result.legacy_lines += sum(
                1 for line in lines if not _CONTROL.search(line) and not is_utf8(line)
            )
            if binary == len(lines):
                return
        if json_mode and raw[:1] == b"{":
            text, when = self._json_event(raw)
            if text is not None:
                self._classified(text, when, candidates, json_mode=True)
                return
        when = line_time(raw, now=self.now, local=self.local)
        if self.since is not None and when is not None and when < self.since:
            self.result.before_since += 1
            return
        # Logs repeat themselves: an event equal to an earlier one but for its leading timestamp
        # goes where that one went, without decoding or matching it again.
        stamp = _LEADING_TIME.match(raw)
        key = raw[stamp.end() :] if stamp else raw
        known = self._seen.get(key)
        if known is None:
            known = self._classified(decode_line(raw).rstrip("\r\n"), when, candidates)
            if len(self._seen) >= SEEN_LIMIT:
                self._seen.clear()
            self._seen[key] = known
            return
        if known is _IGNORED:
            return
        self.result.events += 1
        if isinstance(known, Tally):
            known.note(None if known.complete else decode_line(raw).rstrip("\r\n"), when)
        else:
            known.note(1, when)

    def _classified(
        self, text: str, when: datetime | None, candidates: set[int], *, json_mode: bool = False
    ) -> Tally | Cluster:
        """Tally ``text`` under its signature, or cluster it; returns where it went (for the repeat cache)."""
        if json_mode and self.since is not None and when is not None and when < self.since:
            self.result.before_since += 1
            return _IGNORED
        problem = self.prefilter.problem_id
        sig_candidates = [c for c in candidates if c < problem]
        index = classify(text, self.signatures, sig_candidates) if sig_candidates else None
        if index is None and json_mode:
            index = classify(text, self.signatures)  # JSON escapes can hide a pattern from the prefilter
        if index is not None:
            self.result.events += 1
            sig_id = self.signatures[index].id
            tally = self.result.tallies.get(sig_id)
            if tally is None:
                tally = self.result.tallies[sig_id] = Tally()
            tally.note(text, when)
            return tally
        if problem in candidates:
            self.result.events += 1
            return self.result.drain.add(_representative(text), when=when)
        return _IGNORED

    def _json_event(self, raw: bytes) -> tuple[str | None, datetime | None]:
        try:
            doc = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return None, None
        if not isinstance(doc, dict):
            return None, None
        text = next((doc[k] for k in _MESSAGE_KEYS if isinstance(doc.get(k), str)), None)
        if text is None:
            return None, None
        text = text.rstrip("\r\n")
        for key in _EXTRA_KEYS:
            extra = doc.get(key)
            if isinstance(extra, str) and extra:
                text += "\n" + extra.rstrip("\n")
        return text, self._json_time(doc)

    def _json_time(self, doc: dict[str, object]) -> datetime | None:
        micros = doc.get("__REALTIME_TIMESTAMP")
        if isinstance(micros, str) and micros.isdigit():
            return datetime.fromtimestamp(int(micros) / 1e6, timezone.utc)
        for key in _TIME_KEYS:
            value = doc.get(key)
            if isinstance(value, str):
                return line_time(value.encode(), now=self.now, local=self.local)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
                seconds = value / 1000 if value > 1e11 else value
                try:
                    return datetime.fromtimestamp(seconds, timezone.utc)
                except (OverflowError, OSError, ValueError):
                    return None
        return None

    def finish(self) -> Result:
        return self.result


# Lines that follow an error and add to it: the traceback header, the server's DETAIL/HINT/CONTEXT,
# SQLAlchemy's statement, parameters and link. The exception line above them names the group.
_DETAIL = re.compile(
    r"Traceback \(|(?:DETAIL|HINT|CONTEXT|QUERY|STATEMENT|LOCATION|WHERE|LINE [0-9]+): |\[SQL: |\[parameters: "
    r"|\(Background on this error at"
)


def _representative(text: str) -> str:
    """What an unclassified event is clustered by: its first line, plus the exception line of a traceback."""
    lines = text.split("\n")
    head = message(lines[0].encode("utf-8", "replace")).decode("utf-8", "replace").strip()
    if len(lines) > 1:
        for line in reversed(lines[1:]):
            if line and not line[0].isspace() and not _DETAIL.match(line):
                return f"{head} ... {line.strip()}"[:1000]
    return head[:1000]


def _scan_range(
    path: str, start: int, end: int, since: datetime | None, engine: str | None, zone: tzinfo | None
) -> Result:
    scanner = Scanner(since=since, engine=engine, zone=zone)
    scanner.feed(read_range(path, start, end))
    return scanner.result


def scan_file_parallel(
    path: str, *, jobs: int, since: datetime | None, engine: str | None = None, zone: tzinfo | None = None
) -> Result:
    """Scan a large plain file in ``jobs`` processes, one byte range each, and merge the results."""
    ranges = split_ranges(path, jobs)
    _prefilter(engine)  # compiled once here, inherited by the forked workers
    with ProcessPoolExecutor(max_workers=len(ranges), mp_context=get_context("fork")) as pool:
        futures = [pool.submit(_scan_range, path, a, b, since, engine, zone) for a, b in ranges]
        parts = [f.result() for f in futures]
    total = parts[0]
    for part in parts[1:]:
        total.merge(part)
    return total


def default_jobs() -> int:
    return max(
        1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    )
