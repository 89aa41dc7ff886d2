"""Where the timeline's axis goes and how wide its bars are: over the minutes most events are in.

A log of one week with one line dated seven years earlier must still show the week: the axis
covers the shortest run of time holding nearly all events, grown over nearby events so a steady
log is never trimmed, and what lies outside is counted as an edge, not drawn to scale. Times are
epoch minutes (UTC); with counts per hour only, they are whole hours and bars are never narrower.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..scan import Tally

__all__ = ["Axis", "MAX_BUCKETS", "STEPS", "axis_for", "bucket_counts", "merged", "per_minute"]

CORE_PERCENT = 98
"""The share of events the axis is first fitted to; the rest may be outliers."""
FAR = 4
"""An end point this many times the rest's span away from it is an outlier, even in a short log..."""
FAR_SHARE = 10
"""...while the events cut that way are at most this percentage of all."""
NEAR = 0.25
"""Events outside the core closer than this share of its span (or ``MIN_NEAR``) join it."""
MIN_NEAR = 360
HOUR = 60
DAY = 24 * HOUR
STEPS = (1, 2, 5, 10, 15, 30, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY)
"""Bar widths in minutes: the narrowest that keeps the bars at or under ``MAX_BUCKETS``."""
MAX_BUCKETS = 96


@dataclass(frozen=True)
class Axis:
    """Buckets ``start + i * step`` minutes (epoch minutes, UTC) for ``i`` in ``range(buckets)``."""

    start: int
    step: int
    buckets: int
    first: int
    """The first and last minute with events on the axis."""
    last: int
    before: int = 0
    """Events before the axis (outliers), and the minute of the earliest one."""
    earliest: int | None = None
    after: int = 0
    latest: int | None = None

    @property
    def end(self) -> int:
        """The first minute after the axis."""
        return self.start + self.step * self.buckets

    def index(self, minute: int) -> int | None:
        """The bucket of ``minute``, or ``None`` when it is an outlier."""
        if minute < self.start or minute >= self.end:
            return None
        return (minute - self.start) // self.step


def per_minute(tallies: Sequence[Tally]) -> tuple[list[dict[int, int]], int]:
    """Each tally's counts by epoch minute, and the finest bar width those counts allow.

    Minutes when every tally still has all of its events per minute, else whole hours.
    """
    if all(t.minutes is not None and sum(t.minutes.values()) == sum(t.hours.values()) for t in tallies):
        return [dict(t.minutes or {}) for t in tallies], 1
    return [{h * HOUR: n for h, n in t.hours.items()} for t in tallies], HOUR


def _core(points: list[int], weights: list[int], need: int) -> tuple[int, int]:
    """Indices ``[i, j]`` of the shortest run of points whose weights add up to at least ``need``."""
    best = (0, len(points) - 1)
    total, i = 0, 0
    for j, w in enumerate(weights):
        total += w
        while total - weights[i] >= need:
            total -= weights[i]
            i += 1
        if total >= need and points[j] - points[i] < points[best[1]] - points[best[0]]:
            best = (i, j)
    return best


def _trim_far(points: list[int], weights: list[int], i: int, j: int) -> tuple[int, int]:
    """Drop end points of ``points[i..j]`` far from the rest: a short log has no 2 % to spare for them."""
    budget = sum(weights) * FAR_SHARE // 100 - sum(weights[:i]) - sum(weights[j + 1 :])
    while (
        j > i and points[i + 1] - points[i] > FAR * (points[j] - points[i + 1] + 1) and weights[i] <= budget
    ):
        budget -= weights[i]
        i += 1
    while (
        j > i and points[j] - points[j - 1] > FAR * (points[j - 1] - points[i] + 1) and weights[j] <= budget
    ):
        budget -= weights[j]
        j -= 1
    return i, j


def _aligned(minute: int, step: int, offset: int) -> int:
    return (minute + offset) // step * step - offset


def _buckets(first: int, last: int, step: int, offset: int) -> int:
    return (last - _aligned(first, step, offset)) // step + 1


def axis_for(counts: Mapping[int, int], *, offset: int = 0, min_step: int = 1) -> Axis | None:
    """The axis for events counted per epoch minute; ``None`` when there are none.

    ``offset`` is the display zone's offset in minutes, so day-wide bars start at local midnight;
    ``min_step`` the finest bar the counts allow (60 for counts per hour).
    """
    points = sorted(m for m, n in counts.items() if n > 0)
    if not points:
        return None
    weights = [counts[m] for m in points]
    total = sum(weights)
    i, j = _core(points, weights, max(1, -(-total * CORE_PERCENT // 100)))
    i, j = _trim_far(points, weights, i, j)
    near = max(MIN_NEAR, int((points[j] - points[i] + 1) * NEAR))
    while i > 0 and points[i] - points[i - 1] <= near:
        i -= 1
    while j < len(points) - 1 and points[j + 1] - points[j] <= near:
        j += 1
    first, last = points[i], points[j]
    steps = [s for s in STEPS if s >= min_step]
    step = next((s for s in steps if _buckets(first, last, s, offset) <= MAX_BUCKETS), 0)
    if not step:  # years apart: bars of whole days, as wide as it takes
        step = -(-(last - first + 1) // (MAX_BUCKETS - 1) // DAY) * DAY
    return Axis(
        start=_aligned(first, step, offset),
        step=step,
        buckets=_buckets(first, last, step, offset),
        first=first,
        last=last,
        before=sum(weights[:i]),
        earliest=points[0] if i > 0 else None,
        after=sum(weights[j + 1 :]),
        latest=points[-1] if j < len(points) - 1 else None,
    )


def bucket_counts(axis: Axis, counts: Mapping[int, int]) -> list[int]:
    """Events per bucket of ``axis``; outliers are left out (the axis counts them)."""
    out = [0] * axis.buckets
    for minute, n in counts.items():
        k = axis.index(minute)
        if k is not None:
            out[k] += n
    return out


def merged(parts: Iterable[Mapping[int, int]]) -> dict[int, int]:
    """Counts of several incidents added up."""
    total: dict[int, int] = {}
    for part in parts:
        for minute, n in part.items():
            total[minute] = total.get(minute, 0) + n
    return total
