"""Errors of the log doctor (each a ``UsageError``: the input cannot be read, exit 2)."""

from __future__ import annotations

from ..errors import UsageError

__all__ = ["LogSourceError", "BadSince", "BadZone"]


class LogSourceError(UsageError):
    """A log file, stdin, journalctl or docker could not be read."""


class BadSince(UsageError):
    """A ``--since`` value is not a time."""


class BadZone(UsageError):
    """A ``--tz`` value is not a time zone."""
