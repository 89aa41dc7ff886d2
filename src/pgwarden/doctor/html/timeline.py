"""Where the timeline's axis goes and how wide its bars are: over the hours most events are in.

A log of one week with one line dated seven years earlier must still show the week: the axis
covers the shortest run of hours holding nearly all events, grown over nearby hours so a steady
log is never trimmed, and what lies outside is counted as an edge, not drawn to scale.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = ["Axis", "MAX_BUCKETS", "STEPS", "axis_for", "bucket_counts", "merged"]

CORE_PERCENT = 98
"""The share of events the axis is first fitted to; the rest may be outliers."""
FAR = 4
"""An end hour this many times the rest's span away from it is an outlier, even in a short log..."""
FAR_SHARE = 10
"""...while the hours cut that way hold at most this percentage of the events."""
NEAR = 0.25
"""Hours outside the core that are closer than this share of its span (or ``MIN_NEAR``) join it."""
MIN_NEAR = 6
STEPS = (1, 2, 3, 6, 12, 24, 48, 168, 336, 720)
"""Bar widths in hours: the narrowest that keeps the bars at or under ``MAX_BUCKETS``."""
MAX_BUCKETS = 96


@dataclass(frozen=True)
class Axis:
    """Buckets ``start + i * step`` hours (epoch hours, UTC) for ``i`` in ``range(buckets)``."""

    start: int
    step: int
    buckets: int
    first: int
    """The first and last hour with events on the axis."""
    last: int
    before: int = 0
    """Events before the axis (outliers), and the hour of the earliest one."""
    earliest: int | None = None
    after: int = 0
    latest: int | None = None

    @property
    def end(self) -> int:
        """The first hour after the axis."""
        return self.start + self.step * self.buckets

    def index(self, hour: int) -> int | None:
        """The bucket of ``hour``, or ``None`` when it is an outlier."""
        if hour < self.start or hour >= self.end:
            return None
        return (hour - self.start) // self.step


def _core(hours: list[int], weights: list[int], need: int) -> tuple[int, int]:
    """Indices ``[i, j]`` of the shortest run of hours whose weights add up to at least ``need``."""
    best = (0, len(hours) - 1)
    total, i = 0, 0
    for j, w in enumerate(weights):
        total += w
        while total - weights[i] >= need:
            total -= weights[i]
            i += 1
        if total >= need and hours[j] - hours[i] < hours[best[1]] - hours[best[0]]:
            best = (i, j)
    return best


def _trim_far(hours: list[int], weights: list[int], i: int, j: int) -> tuple[int, int]:
    """Drop end hours of ``hours[i..j]`` far from the rest: a short log has no 2 % to spare for them."""
    budget = sum(weights) * FAR_SHARE // 100 - sum(weights[:i]) - sum(weights[j + 1 :])
    while j > i and hours[i + 1] - hours[i] > FAR * (hours[j] - hours[i + 1] + 1) and weights[i] <= budget:
        budget -= weights[i]
        i += 1
    while j > i and hours[j] - hours[j - 1] > FAR * (hours[j - 1] - hours[i] + 1) and weights[j] <= budget:
        budget -= weights[j]
        j -= 1
    return i, j


def _aligned(hour: int, step: int, offset_hours: int) -> int:
    return (hour + offset_hours) // step * step - offset_hours


def _buckets(first: int, last: int, step: int, offset_hours: int) -> int:
    return (last - _aligned(first, step, offset_hours)) // step + 1


def axis_for(per_hour: Mapping[int, int], *, offset_hours: int = 0) -> Axis | None:
    """The axis for events counted per epoch hour; ``None`` when there are none.

    ``offset_hours`` is the display zone's offset, so day-wide bars start at local midnight.
    """
    hours = sorted(h for h, n in per_hour.items() if n > 0)
    if not hours:
        return None
    weights = [per_hour[h] for h in hours]
    total = sum(weights)
    need = max(1, -(-total * CORE_PERCENT // 100))
    i, j = _core(hours, weights, need)
    i, j = _trim_far(hours, weights, i, j)
    span = hours[j] - hours[i] + 1
    near = max(MIN_NEAR, int(span * NEAR))
    while i > 0 and hours[i] - hours[i - 1] <= near:
        i -= 1
    while j < len(hours) - 1 and hours[j + 1] - hours[j] <= near:
        j += 1
    first, last = hours[i], hours[j]
    step = next((s for s in STEPS if _buckets(first, last, s, offset_hours) <= MAX_BUCKETS), 0)
    if not step:  # years apart: bars of whole days, as wide as it takes
        step = -(-(last - first + 1) // (MAX_BUCKETS - 1) // 24) * 24
    start = _aligned(first, step, offset_hours)
    buckets = _buckets(first, last, step, offset_hours)
    return Axis(
        start=start,
        step=step,
        buckets=buckets,
        first=first,
        last=last,
        before=sum(weights[:i]),
        earliest=hours[0] if i > 0 else None,
        after=sum(weights[j + 1 :]),
        latest=hours[-1] if j < len(hours) - 1 else None,
    )


def bucket_counts(axis: Axis, per_hour: Mapping[int, int]) -> list[int]:
    """Events per bucket of ``axis``; outliers are left out (the axis counts them)."""
    counts = [0] * axis.buckets
    for hour, n in per_hour.items():
        k = axis.index(hour)
        if k is not None:
            counts[k] += n
    return counts


def merged(parts: Iterable[Mapping[int, int]]) -> dict[int, int]:
    """Counts per hour of several incidents added up."""
    total: dict[int, int] = {}
    for part in parts:
        for hour, n in part.items():
            total[hour] = total.get(hour, 0) + n
    return total
