"""Pairing objects missing on one side with look-alikes extra on the other: probable renames."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from difflib import SequenceMatcher
from typing import TypeVar

E = TypeVar("E")
A = TypeVar("A")


def similarity(a: str, b: str) -> float:
    """0..1, how alike two names are (``difflib`` ratio, case-insensitive)."""
    return SequenceMatcher(None, a.lower(), b.lower()).ratio()


def pair_renames(
    missing: Iterable[E],
    extra: Iterable[A],
    *,
    signature: Callable[[E | A], Hashable | None],
    name: Callable[[E | A], str],
    tiebreak: Callable[[E, A], bool] = lambda e, a: False,
) -> list[tuple[E, A]]:
    """1:1 pairs of a missing and an extra object with equal ``signature``.

    A ``None`` signature never pairs. When several candidates fit, the pair with the most similar names wins, then the
    one where ``tiebreak`` holds (e.g. equal defaults), then the alphabetical order of
    names, so the outcome never depends on input order. Only objects of the same
    signature are ever compared with each other, so the work stays proportional to
    the size of each group, not to the product of both sides.
    """
    by_signature: dict[Hashable, list[A]] = defaultdict(list)
    for a in extra:
        key = signature(a)
        if key is not None:
            by_signature[key].append(a)
    candidates: list[tuple[float, bool, str, str, E, A]] = []
    for e in missing:
        key = signature(e)
        for a in by_signature.get(key, ()) if key is not None else ():
            candidates.append((similarity(name(e), name(a)), tiebreak(e, a), name(e), name(a), e, a))
    candidates.sort(key=lambda c: (-c[0], not c[1], c[2], c[3]))
    taken_e: set[str] = set()
    taken_a: set[str] = set()
    pairs: list[tuple[E, A]] = []
    for _, _, e_name, a_name, e, a in candidates:
        if e_name in taken_e or a_name in taken_a:
            continue
        taken_e.add(e_name)
        taken_a.add(a_name)
        pairs.append((e, a))
    pairs.sort(key=lambda p: name(p[0]))
    return pairs
