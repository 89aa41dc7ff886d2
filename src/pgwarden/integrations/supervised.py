"""A bot started by ``pgwarden run``: its supervisor, read from the environment, as the integrations' leader.

``Supervised.from_env()`` reads what ``pgwarden run`` tells its command (``PGWARDEN_NAME``,
``PGWARDEN_INSTANCE``, ``PGWARDEN_DATABASE_URL``, ``PGWARDEN_TTL`` and ``PGWARDEN_EPOCH`` when
polling; ``PGWARDEN_MODE=webhook`` and ``PGWARDEN_WEBHOOK_*`` in webhook mode). Passed as
``warden=`` it gives the integrations the update ledger of the supervisor's lease name:

- polling: the command runs only while its supervisor is active, so it is active with the epoch
  it was started with, and ``exactly_once=True`` claims are fenced by that epoch; when the lease
  moves on, the supervisor kills the command, and a claim made meanwhile is refused (``FENCED``);
- webhook: the command runs on every instance and is never "active" itself; the supervisor owns
  ``setWebhook`` (so ``on_promote`` registers nothing) and ``webhook`` holds the settings to serve.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from ..errors import ConfigError
from ..runtime.settings import RuntimeSettings
from ..runtime.webhook_mode import ENV
from ._webhook import WebhookSettings

__all__ = ["Supervised"]


@dataclass(frozen=True)
class _Instance:
    id: UUID


class Supervised:
    """This process's ``pgwarden run`` supervisor; ``Supervised.from_env()`` inside the supervised command."""

    metrics: Any = None
    ready = True
    """The supervisor starts the command only once its instance is ready, and stops it when it is not."""

    def __init__(
        self,
        *,
        url: str,
        name: str,
        instance: UUID,
        ttl: float = 10.0,
        epoch: int | None = None,
        webhook: WebhookSettings | None = None,
    ) -> None:
        self.url = url
        self.settings = RuntimeSettings(name=name, ttl=ttl, check_interval=min(1.0, ttl / 2))
        self.instance = _Instance(instance)
        self._epoch = epoch
        self.webhook = webhook
        """The webhook to serve (webhook mode), else None."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Supervised:
        """The supervisor as ``pgwarden run`` described it; ``ConfigError`` when not started by it."""
        env = os.environ if environ is None else environ
        missing = [k for k in ("PGWARDEN_NAME", "PGWARDEN_INSTANCE", ENV["database_url"]) if not env.get(k)]
        if missing:
            raise ConfigError(
                f"{missing[0]} is not set: this process was not started by `pgwarden run` "
                "(run it as `pgwarden run -- python bot.py`, or give the integration a Warden)."
            )
        try:
            instance = UUID(env["PGWARDEN_INSTANCE"])
            ttl = float(env.get(ENV["ttl"]) or 10.0)
            epoch = int(env["PGWARDEN_EPOCH"]) if env.get("PGWARDEN_EPOCH") else None
        except ValueError as exc:
            raise ConfigError(
                f"The environment `pgwarden run` gave this process is malformed ({exc})."
            ) from None
        webhook = _webhook(env) if env.get(ENV["mode"]) == "webhook" else None
        if webhook is None and epoch is None:
            raise ConfigError(
                "PGWARDEN_EPOCH is not set: `pgwarden run` starts a polling bot with its epoch."
            )
        return cls(
            url=env[ENV["database_url"]],
            name=env["PGWARDEN_NAME"],
            instance=instance,
            ttl=ttl,
            epoch=epoch,
            webhook=webhook,
        )

    @property
    def is_active(self) -> bool:
        """Polling: True (the command runs only while active); webhook: False, every replica serves."""
        return self._epoch is not None

    @property
    def epoch(self) -> int | None:
        return self._epoch

    @property
    def takeover_delay(self) -> float:
        return 0.0  # the supervisor waited it out before starting the command

    async def wait_active(self) -> None:
        if not self.is_active:  # webhook mode: nothing here ever becomes active
            await asyncio.Event().wait()

    async def wait_inactive(self) -> None:
        await asyncio.Event().wait()  # the supervisor ends this process when its instance is no longer active

    def beat(self, name: str = "progress") -> None:
        """Progress is the supervisor's to watch (its liveness covers this process's exit)."""

    def on_promote(self, cb: Any) -> None:
        """Nothing to register: the supervisor owns ``setWebhook`` and starts the command as the active one."""

    def on_demote(self, cb: Any) -> None:
        """Nothing to register: on demotion the supervisor stops this process (polling mode)."""


def _webhook(env: Mapping[str, str]) -> WebhookSettings:
    secret_env = env.get(ENV["secret_env"], "")
    secret = env.get(secret_env, "").strip() if secret_env else ""
    if not secret:
        raise ConfigError(
            f"The webhook secret token is not in the environment variable {secret_env or '?'} that "
            "`pgwarden run` named: keep the variable in the command's environment."
        )
    allowed = env.get(ENV["allowed_updates"])
    return WebhookSettings(
        url=env[ENV["url"]],
        secret_token=secret,
        allowed_updates=tuple(a for a in allowed.split(",") if a) if allowed is not None else None,
        max_connections=int(env.get(ENV["max_connections"]) or 40),
    )
