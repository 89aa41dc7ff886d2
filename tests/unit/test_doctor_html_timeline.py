"""The timeline's axis: over where the events are, outliers counted at the edge, bar width from the span."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pgwarden.doctor.html.timeline import MAX_BUCKETS, axis_for, bucket_counts

WEEK = 492_000  # an epoch hour in 2026
YEARS_BEFORE = WEEK - 7 * 365 * 24


def _week() -> dict[int, int]:
    return {WEEK + h: 1 + h % 5 for h in range(7 * 24)}


def test_nothing_has_no_axis() -> None:
    assert axis_for({}) is None and axis_for({WEEK: 0}) is None


def test_one_stray_hour_years_earlier_is_an_edge_not_the_scale() -> None:
    hours = _week() | {YEARS_BEFORE: 1}
    axis = axis_for(hours)
    assert axis is not None
    assert (axis.before, axis.earliest, axis.after, axis.latest) == (1, YEARS_BEFORE, 0, None)
    assert axis.first == WEEK and axis.last == WEEK + 7 * 24 - 1
    assert axis.step == 2 and axis.buckets == 84
    counts = bucket_counts(axis, hours)
    assert sum(counts) == sum(_week().values()) and all(counts)


def test_a_stray_hour_in_a_short_log_is_an_edge_too() -> None:
    hours = {WEEK + h: 1 for h in range(0, 7 * 24, 17)} | {YEARS_BEFORE: 1}
    axis = axis_for(hours)
    assert axis is not None and axis.before == 1 and axis.first == WEEK


def test_a_steady_log_is_never_trimmed() -> None:
    hours = {WEEK + h: 1 for h in range(300)}
    axis = axis_for(hours)
    assert axis is not None and axis.before == axis.after == 0
    assert sum(bucket_counts(axis, hours)) == 300


def test_a_late_burst_that_is_most_of_the_events_is_the_axis() -> None:
    hours = {WEEK: 1, WEEK + 24 * 90: 500, WEEK + 24 * 90 + 3: 400}
    axis = axis_for(hours)
    assert axis is not None and axis.before == 1 and axis.step == 1 and axis.buckets == 4


def test_short_logs_get_hour_bars_and_long_ones_wider() -> None:
    short = axis_for({WEEK: 3, WEEK + 2: 1})
    year = axis_for({WEEK + h: 1 for h in range(0, 365 * 24, 24)})
    assert short is not None and (short.step, short.buckets) == (1, 3)
    assert year is not None and year.step == 168 and year.buckets <= MAX_BUCKETS


def test_day_bars_start_at_the_display_zone_midnight() -> None:
    axis = axis_for({WEEK + h: 1 for h in range(0, 60 * 24, 7)}, offset_hours=3)
    assert axis is not None and axis.step == 24
    assert (axis.start + 3) % 24 == 0


@given(
    st.dictionaries(st.integers(WEEK - 10**5, WEEK + 10**5), st.integers(1, 1000), min_size=1, max_size=60)
)
def test_every_event_is_on_the_axis_or_counted_at_an_edge(hours: dict[int, int]) -> None:
    axis = axis_for(hours)
    assert axis is not None
    assert sum(bucket_counts(axis, hours)) + axis.before + axis.after == sum(hours.values())
    assert axis.buckets <= MAX_BUCKETS
    inside = sum(n for h, n in hours.items() if axis.index(h) is not None)
    assert inside >= sum(hours.values()) * 0.88
