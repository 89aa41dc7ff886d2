"""The timeline's axis: over where the events are, outliers counted at the edge, bar width from the span."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from pgwarden.doctor.html.timeline import DAY, HOUR, MAX_BUCKETS, axis_for, bucket_counts, per_minute
from pgwarden.doctor.scan import MAX_MINUTES, Tally

WEEK = 492_000 * HOUR  # an epoch minute in 2026
YEARS_BEFORE = WEEK - 7 * 365 * DAY


def _week() -> dict[int, int]:
    return {WEEK + h * HOUR: 1 + h % 5 for h in range(7 * 24)}


def test_nothing_has_no_axis() -> None:
    assert axis_for({}) is None and axis_for({WEEK: 0}) is None


def test_one_stray_hour_years_earlier_is_an_edge_not_the_scale() -> None:
    counts = _week() | {YEARS_BEFORE: 1}
    axis = axis_for(counts, min_step=HOUR)
    assert axis is not None
    assert (axis.before, axis.earliest, axis.after, axis.latest) == (1, YEARS_BEFORE, 0, None)
    assert axis.first == WEEK and axis.last == WEEK + (7 * 24 - 1) * HOUR
    assert axis.step == 2 * HOUR and axis.buckets == 84
    buckets = bucket_counts(axis, counts)
    assert sum(buckets) == sum(_week().values()) and all(buckets)


def test_a_stray_hour_in_a_short_log_is_an_edge_too() -> None:
    counts = {WEEK + h * HOUR: 1 for h in range(0, 7 * 24, 17)} | {YEARS_BEFORE: 1}
    axis = axis_for(counts, min_step=HOUR)
    assert axis is not None and axis.before == 1 and axis.first == WEEK


def test_a_steady_log_is_never_trimmed() -> None:
    counts = {WEEK + h * HOUR: 1 for h in range(300)}
    axis = axis_for(counts, min_step=HOUR)
    assert axis is not None and axis.before == axis.after == 0
    assert sum(bucket_counts(axis, counts)) == 300


def test_a_late_burst_that_is_most_of_the_events_is_the_axis() -> None:
    counts = {WEEK: 1, WEEK + 90 * DAY: 500, WEEK + 90 * DAY + 3 * HOUR: 400}
    axis = axis_for(counts, min_step=HOUR)
    assert axis is not None and axis.before == 1 and axis.step == HOUR and axis.buckets == 4


def test_short_logs_get_narrow_bars_and_long_ones_wide() -> None:
    minutes = axis_for({WEEK + m: 1 for m in range(0, 3 * HOUR, 7)})
    hours_only = axis_for({WEEK: 3, WEEK + 2 * HOUR: 1}, min_step=HOUR)
    year = axis_for({WEEK + d * DAY: 1 for d in range(365)}, min_step=HOUR)
    assert minutes is not None and minutes.step == 2 and minutes.buckets <= MAX_BUCKETS
    assert hours_only is not None and (hours_only.step, hours_only.buckets) == (HOUR, 3)
    assert year is not None and year.step == 7 * DAY and year.buckets <= MAX_BUCKETS


def test_day_bars_start_at_the_display_zone_midnight() -> None:
    axis = axis_for({WEEK + h * HOUR: 1 for h in range(0, 60 * 24, 7)}, offset=3 * HOUR, min_step=HOUR)
    assert axis is not None and axis.step == DAY
    assert (axis.start + 3 * HOUR) % DAY == 0


def test_minutes_are_used_while_every_tally_has_them() -> None:
    start = datetime(2026, 11, 22, 10, tzinfo=timezone.utc)
    short, other = Tally(), Tally()
    for m in range(30):
        short.note(None, start + timedelta(minutes=m))
        other.note(None, start + timedelta(minutes=2 * m))
    series, step = per_minute([short, other])
    assert step == 1 and sum(series[0].values()) == 30
    for m in range(MAX_MINUTES + 1):
        other.note(None, start + timedelta(minutes=m))
    assert other.minutes is None
    series, step = per_minute([short, other])
    assert step == HOUR and all(m % HOUR == 0 for m in series[0])
    assert sum(series[1].values()) == other.count


def test_merged_tallies_keep_minutes_only_when_both_have_them() -> None:
    start = datetime(2026, 11, 22, 10, tzinfo=timezone.utc)
    a, b = Tally(), Tally()
    a.note(None, start)
    b.note(None, start + timedelta(minutes=5))
    a.merge(b)
    assert a.minutes == {int(start.timestamp()) // 60: 1, int(start.timestamp()) // 60 + 5: 1}
    b.minutes = None
    a.merge(b)
    assert a.minutes is None


@given(
    st.dictionaries(st.integers(WEEK - 10**7, WEEK + 10**7), st.integers(1, 1000), min_size=1, max_size=60)
)
def test_every_event_is_on_the_axis_or_counted_at_an_edge(counts: dict[int, int]) -> None:
    axis = axis_for(counts)
    assert axis is not None
    assert sum(bucket_counts(axis, counts)) + axis.before + axis.after == sum(counts.values())
    assert axis.buckets <= MAX_BUCKETS
    inside = sum(n for m, n in counts.items() if axis.index(m) is not None)
    assert inside >= sum(counts.values()) * 0.88
