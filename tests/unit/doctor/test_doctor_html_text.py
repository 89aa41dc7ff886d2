"""Text on the doctor's page: inline code, counts, sizes, zones, incident links."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from pgwarden.doctor.html.text import count, inline, size, stamp, zone_name


def test_backticks_become_code_and_everything_is_escaped() -> None:
    assert inline("run `pgwarden check` <now>") == "run <code>pgwarden check</code> &lt;now&gt;"
    assert inline("a `<b>` tag") == "a <code>&lt;b&gt;</code> tag"
    assert inline("one ` alone") == "one ` alone"


def test_incident_references_link_outside_code_only() -> None:
    html = inline("lost (incident 003); see `incident 003`")
    assert html == 'lost (<a href="#incident-003">incident 003</a>); see <code>incident 003</code>'
    assert inline("(incidents 002 and 003)").count("<a href=") == 2
    assert inline("incident 009") == "incident 009"


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0 bytes"),
        (1, "1 byte"),
        (999, "999 bytes"),
        (1000, "1.0 KB"),
        (47_500, "48 KB"),
        (1_250_000, "1.2 MB"),
        (999_600, "1.0 MB"),
        (200_000_000, "200 MB"),
        (1_073_741_824, "1.1 GB"),
    ],
)
def test_sizes_use_the_unit_that_fits(n: int, text: str) -> None:
    assert size(n) == text


def test_counts_have_thousands_separators() -> None:
    assert (count(7), count(12_345), count(1_234_567)) == ("7", "12,345", "1,234,567")


def test_zones_are_named_by_offset_and_times_shown_in_them() -> None:
    at = datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc)
    moscow = timezone(timedelta(hours=3))
    assert zone_name(timezone.utc, at) == "UTC"
    assert zone_name(moscow, at) == "UTC+03:00"
    assert zone_name(timezone(-timedelta(hours=9, minutes=30)), at) == "UTC-09:30"
    assert stamp(at, moscow) == "<time>2026-11-22 13:00</time>"


def test_the_summary_quotes_the_first_sentence_of_a_fix() -> None:
    from pgwarden.doctor.html.summary import first_sentence

    assert first_sentence("Stop one. Then run `a.b`.") == "Stop one."
    assert first_sentence("Use `x. y` first. Then") == "Use `x. y` first."
    assert first_sentence("No stop") == "No stop"
