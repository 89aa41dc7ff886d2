"""One pass over a block for every signature at once (Hyperscan when installed, else one combined regex)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .signature_catalog import Signature

__all__ = ["PROBLEM_PATTERN", "Prefilter", "classify", "prefilter"]

PROBLEM_PATTERN = (
    r"\b(ERROR|CRITICAL|FATAL|PANIC|WARNING)\b|Traceback \(most recent call last\)"
    r"|[A-Za-z]+(Error|Exception|Warning): |level.{1,4}(error|critical|fatal|warning)"
)
"""Lines that look like a problem even when no signature knows them: they go to the unclassified groups."""
GARBAGE_PATTERN = (
    r"[\x00-\x08\x0e-\x1a\x1c-\x1f]|[\x00-\x7f][\x80-\xbf]|[\xc0\xc1\xf5-\xff]"
    r"|[\xc2-\xdf]([\x00-\x7f]|[\xc0-\xff]|[\x80-\xbf][\x80-\xbf])"
    r"|[\xe0-\xef]([\x00-\x7f]|[\xc0-\xff]|[\x80-\xbf]([\x00-\x7f]|[\xc0-\xff]|[\x80-\xbf][\x80-\xbf]))"
    r"|[\xf0-\xf4]([\x00-\x7f]|[\xc0-\xff]|[\x80-\xbf]([\x00-\x7f]|[\xc0-\xff]"
    r"|[\x80-\xbf]([\x00-\x7f]|[\xc0-\xff]|[\x80-\xbf][\x80-\xbf])))"
)
"""Bytes that cannot be log text: control characters (not tab, newlines or ESC) and broken UTF-8 sequences."""

_hs: Any
try:  # pragma: no branch
    import hyperscan as _hs
except ImportError:  # pragma: no cover - exercised where the wheel is missing
    _hs = None


class Prefilter:
    """Finds candidate offsets in a block: ``scan(block) -> [(end_offset, id)]``.

    ``id`` is the index of the signature in the catalog, ``problem_id`` for a line that
    only looks like a problem, ``garbage_id`` for bytes that cannot be text.
    """

    engine = "re"

    def __init__(self, signatures: Sequence[Signature]) -> None:
        self.problem_id = len(signatures)
        self.garbage_id = len(signatures) + 1
        self.patterns: list[tuple[int, str]] = [
            (i, p) for i, sig in enumerate(signatures) for p in sig.patterns
        ] + [(self.problem_id, PROBLEM_PATTERN), (self.garbage_id, GARBAGE_PATTERN)]
        groups = []
        self._group_ids: list[int] = []
        by_id: dict[int, list[str]] = {}
        for i, p in self.patterns:
            by_id.setdefault(i, []).append(_non_capturing(p))
        for i, pats in by_id.items():
            groups.append("(" + "|".join(pats) + ")")
            self._group_ids.append(i)
        self._combined = re.compile("|".join(groups).encode())

    def scan(self, block: bytes | memoryview) -> list[tuple[int, int]]:
        ids = self._group_ids
        return [(m.end(), ids[(m.lastindex or 1) - 1]) for m in self._combined.finditer(block)]


class HyperscanPrefilter(Prefilter):
    engine = "hyperscan"

    def __init__(self, signatures: Sequence[Signature]) -> None:
        super().__init__(signatures)
        assert _hs is not None
        self._db = _hs.Database(mode=_hs.HS_MODE_BLOCK)
        self._db.compile(
            expressions=[p.encode() for _, p in self.patterns],
            ids=[i for i, _ in self.patterns],
            elements=len(self.patterns),
            flags=0,
        )
        self._scratch = _hs.Scratch(self._db)

    def scan(self, block: bytes | memoryview) -> list[tuple[int, int]]:
        hits: list[tuple[int, int]] = []
        add = hits.append

        def on_match(ident: int, start: int, end: int, flags: int, context: Any) -> None:
            add((end, ident))

        self._db.scan(block, match_event_handler=on_match, scratch=self._scratch)
        hits.sort()
        return hits


def _non_capturing(pattern: str) -> str:
    """Turn ``(`` groups into ``(?:`` so the combined regex's group numbers name signatures."""
    return re.sub(r"(?<!\\)\((?!\?)", "(?:", pattern)


def prefilter(signatures: Sequence[Signature], *, engine: str | None = None) -> Prefilter:
    """The fastest prefilter available (``engine`` forces ``"re"`` or ``"hyperscan"``)."""
    if engine == "re" or (engine is None and _hs is None):
        return Prefilter(signatures)
    return HyperscanPrefilter(signatures)


def classify(
    text: str, signatures: Sequence[Signature], candidates: Sequence[int] | None = None
) -> int | None:
    """The index of the first signature (in catalog order) whose patterns match ``text``.

    With ``candidates`` (indexes the prefilter hit, in any order) only those are tried.
    """
    order = sorted(candidates) if candidates is not None else range(len(signatures))
    for i in order:
        if i < len(signatures) and signatures[i].regex.search(text):
            return i
    return None
