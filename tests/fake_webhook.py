"""Webhook delivery for the fake Bot API (tests/fake_telegram.py), behaving like Telegram's.

* Pending updates are POSTed as JSON to the webhook URL, in order, by up to
  ``max_connections`` deliveries at once, with ``X-Telegram-Bot-Api-Secret-Token`` when a
  ``secret_token`` was set.
* A 2xx answer confirms the update. Anything else — another status, a timeout, a refused
  connection — is an error: ``last_error_date`` and ``last_error_message`` record it (worded
  like Telegram's) and the update is delivered again after ``retry_delay``. So an update whose
  handler ran but whose answer came late is delivered twice, as Telegram does.
* Only HTTPS URLs are accepted, except on loopback hosts (a local Bot API server allows http).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp

__all__ = ["Hook", "check_url", "deliver"]

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass
class Hook:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    allowed_updates: list[str] | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None
    attempts: int = 0
    delivered: list[int] = field(default_factory=list)
    """update_id of every 2xx delivery, in order (a redelivered update appears again)."""
    failures: list[tuple[int, str]] = field(default_factory=list)

    def info(self, pending: int) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.url,
            "has_custom_certificate": False,
            "pending_update_count": pending,
            "max_connections": self.max_connections,
            "ip_address": "127.0.0.1",
        }
        if self.allowed_updates is not None:
            info["allowed_updates"] = self.allowed_updates
        if self.last_error_date is not None:
            info["last_error_date"] = self.last_error_date
            info["last_error_message"] = self.last_error_message
        return info


def check_url(url: str) -> str | None:
    """Telegram's refusal of a webhook URL, None when it is acceptable."""
    parts = urlsplit(url)
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK):
        return None
    return "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"


async def deliver(
    hook: Hook,
    updates: list[dict[str, Any]],
    arrived: asyncio.Event,
    *,
    timeout: float,
    retry_delay: float,
) -> None:
    """Deliver ``updates`` (the bot's pending list, shared) to ``hook`` until cancelled."""
    in_flight: set[int] = set()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session:
        workers = [
            asyncio.create_task(_worker(hook, updates, arrived, in_flight, session, retry_delay))
            for _ in range(max(1, hook.max_connections))
        ]
        try:
            await asyncio.gather(*workers)
        finally:
            for w in workers:
                w.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*workers, return_exceptions=True)


async def _worker(
    hook: Hook,
    updates: list[dict[str, Any]],
    arrived: asyncio.Event,
    in_flight: set[int],
    session: aiohttp.ClientSession,
    retry_delay: float,
) -> None:
    while True:
        update = next((u for u in updates if id(u) not in in_flight), None)
        if update is None:
            arrived.clear()
            await arrived.wait()
            continue
        in_flight.add(id(update))
        try:
            error = await _post(hook, session, update)
        finally:
            in_flight.discard(id(update))
        if error is None:
            hook.delivered.append(update["update_id"])
            for i, pending in enumerate(updates):
                if pending is update:  # by identity: a redelivered copy may be pending too
                    del updates[i]
                    break
            continue
        hook.last_error_date = int(time.time())
        hook.last_error_message = error
        hook.failures.append((update["update_id"], error))
        await asyncio.sleep(retry_delay)


async def _post(hook: Hook, session: aiohttp.ClientSession, update: dict[str, Any]) -> str | None:
    hook.attempts += 1
    headers = {SECRET_HEADER: hook.secret_token} if hook.secret_token else {}
    try:
        async with session.post(hook.url, json=update, headers=headers) as response:
            await response.read()
            if 200 <= response.status < 300:
                return None
            return f"Wrong response from the webhook: {response.status} {response.reason}"
    except asyncio.TimeoutError:
        return "Connection timed out"
    except aiohttp.ClientConnectorError:
        return "Connection refused"
    except aiohttp.ClientError as exc:
        return f"Connection failed: {type(exc).__name__}"
