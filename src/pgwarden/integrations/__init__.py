"""Run Telegram bot frameworks under a pgwarden leader: poll only while this instance is the active one."""

from __future__ import annotations

from ._leader import Leader

__all__ = ["Leader"]
