"""Drain-style template mining for lines no signature knows: similar lines become one template with a count."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

__all__ = ["Cluster", "Drain", "template_tokens"]

WILDCARD = "<*>"
_VARIABLE = re.compile(r"[^\s\d]*\d\S*")


def template_tokens(text: str, *, max_tokens: int = 64) -> list[str]:
    """Whitespace tokens, every token holding a digit replaced by ``<*>`` (ids, times, counts)."""
    return _VARIABLE.sub(WILDCARD, text).split()[:max_tokens]


@dataclass
class Cluster:
    tokens: list[str]
    count: int = 0
    example: str = ""
    first_seen: datetime | None = None
    last_seen: datetime | None = None

    @property
    def template(self) -> str:
        return " ".join(self.tokens)

    def note(self, count: int, when: datetime | None, last: datetime | None = None) -> None:
        self.count += count
        last = last or when
        if when is not None and (self.first_seen is None or when < self.first_seen):
            self.first_seen = when
        if last is not None and (self.last_seen is None or last > self.last_seen):
            self.last_seen = last


@dataclass
class Drain:
    """A fixed-depth parse tree: token count, then first token, then a list of clusters.

    A line joins the most similar cluster when at least ``similarity`` of its tokens are
    equal (a wildcard equals anything), and the cluster's differing tokens become ``<*>``.
    After ``max_clusters`` templates, new shapes are counted in one overflow group so
    memory stays bounded whatever the input.
    """

    similarity: float = 0.5
    max_clusters: int = 1000
    clusters: list[Cluster] = field(default_factory=list)
    _tree: dict[tuple[int, str], list[Cluster]] = field(default_factory=dict)
    overflow: Cluster = field(default_factory=lambda: Cluster(["(more", "distinct", "lines)"]))

    def add(
        self,
        text: str,
        *,
        count: int = 1,
        when: datetime | None = None,
        last: datetime | None = None,
        tokens: list[str] | None = None,
    ) -> Cluster:
        tokens = tokens if tokens is not None else template_tokens(text)
        first = tokens[0] if tokens else ""
        key = (len(tokens), first)
        bucket = self._tree.setdefault(key, [])
        best, best_score = None, -1.0
        for cluster in bucket:
            score = _similarity(cluster.tokens, tokens)
            if score > best_score:
                best, best_score = cluster, score
        if best is not None and best_score >= self.similarity:
            if best_score < 1.0:
                best.tokens = [a if a == b else WILDCARD for a, b in zip(best.tokens, tokens, strict=False)]
        elif len(self.clusters) < self.max_clusters:
            best = Cluster(list(tokens), example=text[:500])
            bucket.append(best)
            self.clusters.append(best)
        else:
            best = self.overflow
            if not best.example:
                best.example = text[:500]
        best.note(count, when, last)
        return best

    def merge(self, other: Drain) -> None:
        for cluster in [*other.clusters, other.overflow]:
            if cluster.count:
                target = self.add(
                    cluster.example,
                    count=cluster.count,
                    when=cluster.first_seen,
                    last=cluster.last_seen,
                    tokens=list(cluster.tokens) if cluster is not other.overflow else None,
                )
                if not target.example:
                    target.example = cluster.example

    def groups(self) -> list[Cluster]:
        """Templates by count, largest first (the overflow group last)."""
        found = sorted(self.clusters, key=lambda c: (-c.count, c.template))
        return found + ([self.overflow] if self.overflow.count else [])


def _similarity(template: list[str], tokens: list[str]) -> float:
    if not tokens:
        return 1.0
    same = sum(1 for a, b in zip(template, tokens, strict=False) if a in (b, WILDCARD))
    return same / len(tokens)
