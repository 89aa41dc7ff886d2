"""``verify``: observe the deployment until every criterion holds or the deadline passes."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from ..doctor.telegram_api import TelegramUnreachable
from ..errors import DatabaseUnreachable
from .criteria import Criterion, Observation, judge
from .observe import Target, observe

__all__ = ["Verdict", "verify"]


@dataclass(frozen=True)
class Verdict:
    criteria: list[Criterion]
    observation: Observation
    elapsed: float
    rounds: int

    @property
    def ok(self) -> bool:
        return all(c.met is not False for c in self.criteria)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "name": self.observation.name,
            "criteria": [c.to_dict() for c in self.criteria],
            "elapsed_seconds": round(self.elapsed, 3),
            "rounds": self.rounds,
        }


def verify(
    target: Target,
    *,
    deadline: float,
    interval: float = 2.0,
    look: Callable[[Target], Observation] = observe,
    progress: Callable[[list[Criterion]], None] | None = None,
) -> Verdict:
    """Look every ``interval`` seconds for up to ``deadline`` seconds; the last look decides.

    Raises ``DatabaseUnreachable`` / ``TelegramUnreachable`` (exit 3) when the last look could
    not reach the database or the Bot API at all; everything else is an unmet criterion. The
    synthetic update is posted each round until the webhook answers 200, then not again.
    """
    started = time.monotonic()
    rounds = 0
    current = target
    answered: tuple[int | None, str] | None = None
    while True:
        rounds += 1
        obs = look(current)
        if obs.synthetic is not None and obs.synthetic[0] == 200:
            answered, current = obs.synthetic, replace(current, synthetic=False)
        elif answered is not None:
            obs = replace(obs, synthetic=answered)
        criteria = judge(obs)
        elapsed = time.monotonic() - started
        if progress is not None:
            progress(criteria)
        if all(c.met is not False for c in criteria) or elapsed >= deadline:
            break
        time.sleep(min(interval, deadline - elapsed))  # the last look lands on the deadline
    if obs.database_unreachable and obs.database_error:
        raise DatabaseUnreachable(obs.database_error)
    if obs.telegram_error:
        raise TelegramUnreachable(obs.telegram_error)
    return Verdict(criteria, obs, elapsed, rounds)
