"""``pgwarden deploy verify``: incident 004's post-deploy checklist as one command with a deadline."""

from __future__ import annotations

from .criteria import Criterion, Observation, judge
from .observe import Target, observe
from .verify import Verdict, verify

__all__ = ["Criterion", "Observation", "Target", "Verdict", "judge", "observe", "verify"]
