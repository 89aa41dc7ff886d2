"""Drain-style templates for unclassified lines."""

from __future__ import annotations

from pgwarden.doctor.cluster import Drain, template_tokens


def test_variable_tokens_become_wildcards() -> None:
    assert template_tokens("2026-11-22 10:12:00,017 ERROR user 42 failed id=77") == [
        "<*>",
        "<*>",
        "ERROR",
        "user",
        "<*>",
        "failed",
        "<*>",
    ]


def test_similar_lines_share_a_template() -> None:
    drain = Drain()
    for user in ("alice", "bob", "carol"):
        drain.add(f"ERROR payment for {user} is pending")
    drain.add("ERROR sheet row has no phone number at all")
    groups = drain.groups()
    assert [(g.template, g.count) for g in groups] == [
        ("ERROR payment for <*> is pending", 3),
        ("ERROR sheet row has no phone number at all", 1),
    ]
    assert groups[0].example == "ERROR payment for alice is pending"


def test_cluster_count_is_bounded() -> None:
    drain = Drain(max_clusters=5)
    for i in range(50):
        drain.add(
            " ".join(chr(97 + (i + k) % 26) * (k + 1) for k in range(i % 7 + 1)) + f" shape{chr(97 + i % 26)}"
        )
    assert len(drain.clusters) == 5
    assert sum(g.count for g in drain.groups()) == 50
    assert drain.groups()[-1].template == "(more distinct lines)"


def test_merge_adds_counts() -> None:
    a, b = Drain(), Drain()
    a.add("ERROR payment for alice is pending")
    b.add("ERROR payment for bob is pending")
    b.add("ERROR something else entirely happened")
    a.merge(b)
    assert sorted((g.template, g.count) for g in a.groups()) == [
        ("ERROR payment for <*> is pending", 2),
        ("ERROR something else entirely happened", 1),
    ]
