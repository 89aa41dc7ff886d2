"""``pgwarden run`` for webhook bots: the settings checked at start, what the child is told, ``setWebhook``.

In webhook mode the supervisor starts its command on every instance once the instance is ready
(every replica behind the URL serves it), and the *active* instance owns the webhook: at each
promotion it calls ``setWebhook`` (URL, secret token, ``allowed_updates``, ``max_connections``)
in the background, retrying until it succeeds or the instance is no longer active. A demoted
instance deletes nothing: the webhook is the new leader's too.

The child learns the webhook from its environment (``child_env``), read back by
``pgwarden.integrations.supervised.Supervised.from_env``. The secret token itself is not copied:
the child inherits the variable that holds it and is told that variable's name.

In polling mode with ``--telegram`` and a token, the active instance asks ``getWebhookInfo`` once
per promotion and names a webhook left set: Telegram then answers every getUpdates with 409.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..doctor.telegram_settings import TelegramSettings
from ..errors import ConfigError
from ..redact import redact, register_secret

if TYPE_CHECKING:
    from ..integrations._webhook import WebhookSettings

__all__ = ["ENV", "WebhookMode", "watch_polling_conflict"]

log = logging.getLogger("pgwarden.runtime")

ENV = {
    "mode": "PGWARDEN_MODE",
    "url": "PGWARDEN_WEBHOOK_URL",
    "secret_env": "PGWARDEN_WEBHOOK_SECRET_ENV",
    "max_connections": "PGWARDEN_WEBHOOK_MAX_CONNECTIONS",
    "allowed_updates": "PGWARDEN_WEBHOOK_ALLOWED_UPDATES",
    "database_url": "PGWARDEN_DATABASE_URL",
    "ttl": "PGWARDEN_TTL",
}
"""The variables a supervised child reads (docs/runtime.md, "Webhook bots under `pgwarden run`")."""

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_RETRY_FIRST, _RETRY_MAX = 1.0, 30.0


class BotApiError(Exception):
    """The Bot API refused a call, or could not be reached; the message never holds the token."""


@dataclass(frozen=True)
class WebhookMode:
    """The webhook ``pgwarden run`` owns, checked at start (``ConfigError``, exit 2, no token shown)."""

    webhook: WebhookSettings
    token: str
    secret_env: str
    api_base: str
    timeout: float

    def __repr__(self) -> str:  # neither the token nor the secret reaches a log through a repr
        return f"WebhookMode(url={self.webhook.url!r}, api_base={self.api_base!r})"

    @classmethod
    def from_telegram(cls, tg: TelegramSettings) -> WebhookMode:
        key = tg.key
        url = tg.webhook_url
        if not url:
            raise ConfigError(
                f"{tg.where}: webhook mode needs `{key}.webhook_url`: the HTTPS URL Telegram delivers updates to."
            )
        parts = urlsplit(url)
        if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in _LOOPBACK):
            raise ConfigError(
                f"{tg.where}: `{key}.webhook_url` on {parts.hostname or '?'} is not HTTPS; Telegram delivers "
                "only to https:// URLs (http:// is accepted for localhost only)."
            )
        if not tg.secret_token:
            raise ConfigError(
                f"The webhook secret token is not set: put it in the environment variable {tg.secret_token_env} "
                f"(named by `{key}.secret_token_env` in {tg.where}), e.g. from "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`."
            )
        # Webhook mode only: a polling guardian never loads the webhook integration (~1 MB of its RSS).
        from ..integrations._webhook import WebhookSettings

        token = tg.require_token()
        register_secret(token)
        register_secret(tg.secret_token)
        try:
            webhook = WebhookSettings(
                url=url,
                secret_token=tg.secret_token,
                allowed_updates=tg.allowed_updates,
                max_connections=tg.max_connections,
            )
        except ConfigError as exc:  # the secret's characters: say which variable holds it
            raise ConfigError(f"{tg.secret_token_env}: {exc}") from None
        return cls(webhook, token, tg.secret_token_env, tg.api_base, tg.timeout)

    def child_env(self) -> dict[str, str]:
        """What the child is told (the secret stays in ``secret_env``, which it inherits)."""
        env = {
            ENV["mode"]: "webhook",
            ENV["url"]: self.webhook.url,
            ENV["secret_env"]: self.secret_env,
            ENV["max_connections"]: str(self.webhook.max_connections),
        }
        if self.webhook.allowed_updates is not None:
            env[ENV["allowed_updates"]] = ",".join(self.webhook.allowed_updates)
        return env

    async def set_webhook(self) -> None:
        params: dict[str, Any] = {
            "url": self.webhook.url,
            "secret_token": self.webhook.secret_token,
            "max_connections": self.webhook.max_connections,
        }
        if self.webhook.allowed_updates is not None:
            params["allowed_updates"] = list(self.webhook.allowed_updates)
        await asyncio.to_thread(call, self.api_base, self.token, "setWebhook", params, self.timeout)

    def own(self, warden: Any) -> None:
        """Set the webhook at each promotion of ``warden``, in the background, until it is set or demoted."""
        tasks: set[asyncio.Task[None]] = set()

        def promoted() -> None:
            task = asyncio.create_task(self._set_while_active(warden), name="pgwarden-set-webhook")
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        def demoted() -> None:
            for task in tasks:  # a demoted instance neither sets nor deletes the webhook
                task.cancel()

        warden.on_promote(promoted)
        warden.on_demote(demoted)

    async def _set_while_active(self, warden: Any) -> None:
        pause = _RETRY_FIRST
        attempt = 1
        while warden.is_active:
            try:
                await self.set_webhook()
            except BotApiError as exc:
                log.warning("setWebhook failed (%s); attempt %d, retrying in %.0f s", exc, attempt, pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, _RETRY_MAX)
                attempt += 1
                continue
            log.info(
                "active: the webhook is set to %s (max_connections %d, allowed_updates %s)",
                self.webhook.url,
                self.webhook.max_connections,
                ",".join(self.webhook.allowed_updates)
                if self.webhook.allowed_updates is not None
                else "default",
            )
            return


def watch_polling_conflict(tg: TelegramSettings, warden: Any) -> Callable[[], None] | None:
    """In polling mode, name a webhook left set (every getUpdates gets 409) at each promotion."""
    token = tg.token
    if token is None or tg.mode != "polling":
        return None
    tasks: set[asyncio.Task[None]] = set()

    async def look() -> None:
        try:
            info = await asyncio.to_thread(call, tg.api_base, token, "getWebhookInfo", {}, tg.timeout)
        except BotApiError as exc:
            log.info("could not ask Telegram whether a webhook is set (%s)", exc)
            return
        url = info.get("url") if isinstance(info, dict) else None
        if url:
            log.warning(
                "a webhook is set for this bot (%s) while it polls: Telegram answers every getUpdates with "
                '409 Conflict. Delete it (deleteWebhook), or set `%s.mode = "webhook"` to run in webhook mode',
                url,
                tg.key,
            )

    def promoted() -> None:
        task = asyncio.create_task(look(), name="pgwarden-webhook-conflict")
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    warden.on_promote(promoted)
    return promoted


def call(api_base: str, token: str, method: str, params: dict[str, Any], timeout: float) -> Any:
    """One Bot API call with JSON parameters: its ``result``; ``BotApiError`` without the token otherwise."""
    import urllib.error  # http.client and email: only when a Bot API call is made
    import urllib.request

    host = urlsplit(api_base).netloc or api_base
    request = urllib.request.Request(
        f"{api_base}/bot{token}/{method}",
        data=json.dumps(params).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - the configured API
            raw = response.read()
    except urllib.error.HTTPError as exc:  # 4xx/5xx: the Bot API's JSON is in the body
        raw = exc.read()
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        said = redact(str(reason).replace(token, "***")) or type(exc).__name__
        raise BotApiError(f"the Bot API at {host} could not be reached: {said}") from None
    body: Any = None
    with contextlib.suppress(ValueError):
        body = json.loads(raw)
    if not isinstance(body, dict) or "ok" not in body:
        raise BotApiError(f"{host} answered {method} without Bot API JSON; check `telegram.api_base`")
    if not body["ok"]:
        said = redact(str(body.get("description", "")).replace(token, "***"))
        raise BotApiError(f"Telegram refused {method}: {body.get('error_code')} {said}")
    return body.get("result")
