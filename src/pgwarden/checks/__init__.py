"""Checks of the live state: declared objects and server settings, registered instances, data invariants and their repair."""

from __future__ import annotations

from ..config import Config
from ..db import connect
from ..findings import Finding
from ..providers import Context
from .errors import InvariantConfigError, RepairBusy, RepairFailed, UnknownInvariant
from .invariants import Invariant, load_invariants
from .run import Outcome, finding, run_all

__all__ = [
    "Invariant",
    "InvariantConfigError",
    "InvariantsProvider",
    "Outcome",
    "RepairBusy",
    "RepairFailed",
    "UnknownInvariant",
    "load_invariants",
    "run_invariants",
    "run_outcomes",
]


def run_outcomes(url: str, invariants: list[Invariant], *, timeout: float = 5.0) -> list[Outcome]:
    """Run ``invariants`` on the database at ``url``, each read-only with its own statement_timeout."""
    if not invariants:
        return []
    conn = connect(url, timeout=timeout, autocommit=True, application_name="pgwarden-check")
    try:
        return run_all(conn, invariants)
    finally:
        conn.close()


def run_invariants(url: str, cfg: Config) -> list[Finding]:
    """Findings of every invariant ``cfg`` configures, run read-only on ``url`` (``[]`` when all hold).

    A check that fails or times out is a finding naming the invariant, not an exception;
    a malformed invariant raises ``InvariantConfigError`` (exit 2), a dead server
    ``DatabaseUnreachable`` (exit 3).
    """
    outcomes = run_outcomes(url, load_invariants(cfg), timeout=cfg.connect_timeout)
    return [f for f in (finding(o) for o in outcomes) if f is not None]


class InvariantsProvider:
    """The configured invariants, each run read-only; a finding per one that does not hold."""

    name = "invariants"

    def findings(self, ctx: Context) -> list[Finding]:
        if not load_invariants(ctx.cfg):
            return []
        return run_invariants(ctx.url, ctx.cfg)
