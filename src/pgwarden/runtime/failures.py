"""What a failed round of the guardian's loop means: stop for good, or the database is away for now.

Pure classification, no I/O: the Warden's loop (and any other host of the lease) maps every
exception of one round to a ``Failure`` and acts on it: a fatal one stops the instance and names
the problem, a lost database is retried with a growing delay while the lease guard protects the work.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import psycopg

from ..errors import DatabaseUnreachable, PgwardenError
from ..privileges import PRIVILEGE_ERRORS, from_database_error
from ..urls import describe
from .errors import LoginRefused, PermissionProblem

__all__ = ["Failure", "classify"]


@dataclass(frozen=True)
class Failure:
    """Either ``fatal`` (stop and say why) or ``lost`` (the database is away: retry)."""

    fatal: PgwardenError | None = None
    lost: str | None = None
    reconnect_quickly: bool = False
    """The lease may still be renewed in time when the database comes back: do not back off."""
    bug: bool = False
    """Nothing pgwarden expects: a bug, logged with its traceback."""


def classify(exc: Exception, url: str, *, connected_once: bool, role: str | None) -> Failure:
    """The meaning of ``exc``, raised by one round of the loop against the database at ``url``."""
    if isinstance(exc, PRIVILEGE_ERRORS):
        # a missing grant or a read-only role does not heal by waiting: stop and name it
        return Failure(fatal=from_database_error(exc, doing="guarding the service", role=role))
    if isinstance(exc, LoginRefused | PermissionProblem):
        if isinstance(exc, PermissionProblem) or not connected_once:
            return Failure(fatal=exc)
        return Failure(lost=str(exc))
    if isinstance(exc, DatabaseUnreachable | psycopg.Error | OSError | asyncio.TimeoutError):
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if isinstance(exc, psycopg.OperationalError | OSError | asyncio.TimeoutError):
            text = f"lost the database at {describe(url)} ({text})"
        elif not isinstance(exc, DatabaseUnreachable):
            text = f"a query on {describe(url)} failed ({text})"
        return Failure(lost=text, reconnect_quickly=True)
    if isinstance(exc, PgwardenError):
        return Failure(fatal=exc)
    return Failure(
        fatal=PgwardenError(
            f"internal error in the guardian ({type(exc).__name__}: {exc}); this is a bug in "
            "pgwarden: report it with the log above."
        ),
        bug=True,
    )
