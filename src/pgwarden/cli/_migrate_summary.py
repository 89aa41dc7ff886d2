"""What ``migrate up`` prints once it is done, for SQL files and Alembic revisions alike."""

from __future__ import annotations

from collections.abc import Sequence

from .. import formats
from ..findings import Finding
from ..migrate.runner import UpResult
from ..urls import describe
from ._state import State, write_json

__all__ = ["write_up"]


def write_up(
    state: State, url: str, result: UpResult, found: Sequence[Finding], fmt: str, *, what: str, width: int
) -> int:
    """The applied steps with their timings, then the failure as findings; ``what`` names the unit
    (``file(s)``, ``Alembic revision(s)``). Exit 0 when everything pending was applied, else 1."""
    if fmt == "json":
        write_json(
            state.out,
            {
                "database": describe(url),
                "applied": [vars(s) for s in result.applied],
                "pending_before": result.pending_before,
                "waited_s": round(result.waited, 3),
                "warnings": result.warnings,
                "findings": [f.to_dict() for f in found],
                "ok": result.ok,
            },
        )
    elif fmt == "text":
        total = sum(s.duration_ms for s in result.applied)
        done = (
            "nothing to apply"
            if result.pending_before == 0 and result.ok
            else f"applied {len(result.applied)} of {result.pending_before} pending {what} in {total} ms"
        )
        state.out.write(
            f"pgwarden migrate up: {describe(url)}: {done}"
            + (f" after waiting {result.waited:.1f} s for the lock" if result.waited >= 1 else "")
            + ".\n"
        )
        for s in result.applied:
            state.out.write(
                f"  {s.filename:<{width}} {s.duration_ms:>7} ms"
                + (f"  ({s.attempts} attempts)" if s.attempts > 1 else "")
                + "\n"
            )
        if found:
            formats.render(list(found), "text", state.out, color=state.color)
    else:
        formats.render(list(found), fmt, state.out)
    return 0 if result.ok else 1
