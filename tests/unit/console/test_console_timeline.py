"""The timeline panel without a database: every record merged newest first, failures of the last day loud."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pgwarden.console.panels_history import entries, timeline
from pgwarden.console.read import Event, Lifetime, Migration, Service, Takeover
from pgwarden.console.render import page

NOW = datetime(2026, 12, 5, 3, 0, tzinfo=timezone.utc)


def _service(**fields: object) -> Service:
    service = Service(read_at=NOW, database="app")
    for key, value in fields.items():
        setattr(service, key, value)
    return service


def test_every_source_is_merged_newest_first() -> None:
    hours = lambda n: NOW - timedelta(hours=n)  # noqa: E731 - a table of moments reads best this way
    service = _service(
        events=[
            Event(
                hours(1), "bot", "vps-2:42", "gate", "bad", "Schema gate failed: migrations are not at head."
            ),
            Event(
                hours(30), "bot", "vps-2:42", "backup", "ok", "Backup b1 created and verified by a restore."
            ),
        ],
        takeovers=[Takeover("bot", 3, "abcdef0123", "0123abcd", "lease expired: crashed", hours(2))],
        ledger=[
            Migration(
                3,
                "unique_names",
                hours(3),
                12,
                False,
                "/x/003.sql:1:1: could not create unique index\nDETAIL",
            ),
            Migration(2, "bookings", hours(24 * 9), 40, True, None),  # older than the week: left out
        ],
        lifetimes=[Lifetime("bot", "vps-1", 7, "r1", hours(50), hours(4))],
    )
    found = entries(service)
    assert [(e.what, e.tone) for e in found] == [
        ("Schema gate", "bad"),
        ("Takeover", "warn"),
        ("Migration", "bad"),
        ("Instance", ""),
        ("Backup", "ok"),
        ("Instance", ""),
    ]
    assert found[2].text == "3 unique_names failed: could not create unique index"
    assert found[3].text == "stopped" and found[5].text == "started, code r1"
    panel = timeline(service)
    assert panel.tone == "bad" and panel.summary.startswith("4 event(s) in the last day, 2 failure(s)")
    html = page([panel], now=NOW, database="app", refresh=10, banner=None)
    assert html.index("Schema gate failed") < html.index("lease expired") < html.index("Backup b1")
    # at a glance: one tick per entry on the week's axis, the failures drawn last (on top)
    assert 'aria-label="the last 7 days: 6 event(s), 2 failure(s)"' in html
    svg = html[html.index('<svg class="strip"') : html.index("</svg>", html.index('<svg class="strip"'))]
    ticks = svg.split('class="tick ')[1:]
    assert len(ticks) == 6 and all(t.startswith("tone-bad") for t in ticks[-2:])
    newest = float(svg.split('class="tick tone-bad" x1="')[1].split('"')[0])
    assert newest > 290, "an hour ago sits at the right end of a week"


def test_a_quiet_week_and_a_database_no_guardian_wrote_to() -> None:
    panel = timeline(_service())
    assert panel.summary == "Nothing recorded in the last 7 days." and panel.tone == ""
    assert "No guardian has recorded" in panel.notes[0]
    assert 'class="strip"' not in page([panel], now=NOW, database="app", refresh=10, banner=None)
    ok = timeline(_service(events=[Event(NOW, "bot", "h:1", "backup", "ok", "Backup b2 created.")]))
    assert ok.tone == "ok" and ok.notes == () and "no failure" in ok.summary


def test_without_the_grant_it_says_which() -> None:
    panel = timeline(_service(grant="GRANT USAGE ON SCHEMA pgwarden TO viewer"))
    assert panel.missing == "needs grant: GRANT USAGE ON SCHEMA pgwarden TO viewer" and panel.notes == ()
