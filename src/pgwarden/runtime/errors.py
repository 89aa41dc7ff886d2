"""Errors of the runtime guardian (each under the shared root, keeping pgwarden's exit codes).

::

    UsageError (exit 2)
     +-- PermissionProblem        the database role lacks a grant the guardian needs
          +-- TakeoverNotPermitted  pg_terminate_backend of a hung leader was refused
    DatabaseUnreachable (exit 3)
     +-- LoginRefused             wrong password, unknown role or database: retrying cannot help
    CommandNotFound (exit 127)    `pgwarden run -- CMD`: CMD cannot be executed
"""

from __future__ import annotations

from ..errors import DatabaseUnreachable, PgwardenError, UsageError

__all__ = ["CommandNotFound", "LoginRefused", "PermissionProblem", "TakeoverNotPermitted"]


class PermissionProblem(UsageError):
    """The database role lacks a grant the guardian needs; the message names the grant."""


class TakeoverNotPermitted(PermissionProblem):
    """The standby may not terminate the hung leader's session."""


class LoginRefused(DatabaseUnreachable):
    """The server refused the login; waiting and retrying would not change that."""


class CommandNotFound(PgwardenError):
    """The command to supervise does not exist or is not executable."""

    exit_code = 127
