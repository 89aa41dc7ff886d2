"""Errors of invariants and repair that the shared tree does not have (each keeps pgwarden's exit codes).

::

    ConfigError (errors.py)       exit 2
     +-- InvariantConfigError     an invariant is malformed: names the file, the key and the invariant
    UsageError (errors.py)        exit 2
     +-- UnknownInvariant         `repair NAME` names no configured invariant
    PgwardenError (errors.py)
     +-- RepairFailed             exit 1: a batch failed and was rolled back; the run can be resumed
          +-- RepairBusy          exit 1: another repair of the same invariant holds its lock
"""

from __future__ import annotations

from ..errors import ConfigError, PgwardenError, UsageError

__all__ = ["InvariantConfigError", "RepairBusy", "RepairFailed", "UnknownInvariant"]


class InvariantConfigError(ConfigError):
    """An invariant in the config or in a ``.sql`` file is malformed."""


class UnknownInvariant(UsageError):
    """A command named an invariant that is not configured."""


class RepairFailed(PgwardenError):
    """A repair batch failed; it was rolled back and the checkpoint still points before it."""

    exit_code = 1

    def __init__(self, message: str, *, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


class RepairBusy(RepairFailed):
    """Another session is repairing the same invariant right now."""
