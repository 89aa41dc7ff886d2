"""What webhook integrations share: the webhook's settings, owning ``setWebhook``, and admitting one request.

Every replica behind the webhook URL serves it; only the active instance (the one holding the
lease) calls ``setWebhook``, once per promotion, with the secret token, ``allowed_updates`` and
``max_connections``. A demoted instance deletes nothing: the webhook is the new leader's too.

A request is admitted only with the right ``X-Telegram-Bot-Api-Secret-Token`` (403 otherwise),
a body of at most ``max_body`` bytes (413) that is a JSON object with an integer ``update_id``
(400). With a ledger the update is then claimed: the claimant handles it, answers 200 and records
it as done in the background (batched with other requests' records); a
duplicate is answered 200 without handling (Telegram must stop delivering it); an update another
replica is handling, or a ledger that does not answer, gets 503 so Telegram delivers it again.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ..errors import ConfigError
from ..runtime.ledger import Claim, LedgerUnavailable, UpdateLedger
from ._leader import Leader
from .transaction import current_update, log_failure

__all__ = ["SECRET_HEADER", "Answer", "WebhookGate", "WebhookSettings", "own_webhook"]

log = logging.getLogger("pgwarden.integrations")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_SECRET_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


@dataclass(frozen=True)
class WebhookSettings:
    """The webhook the active instance sets; checked at construction, so a bad value fails at startup."""

    url: str
    secret_token: str
    allowed_updates: Sequence[str] | None = None
    max_connections: int = 40
    max_body: int = 1 << 20
    """Bytes; Telegram's updates are far smaller, so a larger body is refused (413) unread."""

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in _LOOPBACK):
            raise ConfigError(
                f"The webhook URL {parts.scheme}://{parts.hostname or '?'}{parts.path} is not HTTPS: "
                "Telegram delivers only to https:// URLs (http is accepted on localhost only, for a local Bot API server)."
            )
        if not 1 <= len(self.secret_token) <= 256 or not set(self.secret_token) <= _SECRET_CHARS:
            raise ConfigError(
                "The webhook secret token must be 1-256 characters of A-Z, a-z, 0-9, _ and - "
                "(Telegram's rule); generate one with `python -c 'import secrets; print(secrets.token_urlsafe(32))'`."
            )
        if not 1 <= self.max_connections <= 100:
            raise ConfigError(f"max_connections is {self.max_connections}: Telegram allows 1 to 100.")


@dataclass(frozen=True)
class Answer:
    """The HTTP answer to one webhook request."""

    status: int
    text: str
    update: dict[str, Any] | None = None
    """The parsed update when the request was admitted (status 200, not yet handled)."""


class WebhookGate:
    """Admits webhook requests and runs each admitted update's handler at most once (with a ledger)."""

    def __init__(self, settings: WebhookSettings, ledger: UpdateLedger | None = None) -> None:
        self.settings = settings
        self.ledger = ledger
        self.refused: dict[int, int] = {}
        """Requests refused, by status."""
        self.handled = 0
        self.duplicates = 0

    def admit(self, secret: str | None, length: int | None, body: bytes | None) -> Answer:
        """Check the secret token, the size and the JSON of one request; ``body`` None: not read yet."""
        expected = self.settings.secret_token.encode()
        if secret is None or not hmac.compare_digest(secret.encode(), expected):
            return self._refuse(403, "the secret token header is missing or wrong")
        if (length is not None and length > self.settings.max_body) or (
            body is not None and len(body) > self.settings.max_body
        ):
            return self._refuse(413, f"the body is larger than {self.settings.max_body} bytes")
        if body is None:
            return Answer(200, "")
        try:
            update = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return self._refuse(400, "the body is not JSON")
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            return self._refuse(400, "the body is not a Telegram update (no integer update_id)")
        return Answer(200, "", update)

    async def run(self, update: dict[str, Any], handle: Callable[[], Awaitable[None]]) -> Answer:
        """Claim ``update`` (with a ledger) and run ``handle`` if this replica won it."""
        update_id = int(update["update_id"])
        if self.ledger is not None:
            try:
                outcome = await self.ledger.claim(update_id)
            except LedgerUnavailable as exc:
                log.warning("webhook: %s", exc)
                return self._refuse(503, "the update ledger is unavailable; deliver again later")
            if outcome is Claim.DUPLICATE:
                self.duplicates += 1
                return Answer(200, "duplicate")
            if outcome is not Claim.CLAIMED:
                return self._refuse(503, "another replica is handling this update; deliver again later")
        try:
            with current_update(self.ledger, update_id):
                await handle()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - one failing handler must not fail the webhook (nor be redelivered)
            log_failure(self.ledger, update_id, exc)
        if self.ledger is not None and self.ledger.take_retry(update_id):
            # Its transaction rolled back (taken over, connection lost): Telegram delivers it again.
            return self._refuse(503, "the update's transaction did not commit; deliver again later")
        self.handled += 1
        if self.ledger is not None:
            # Recorded in the background, batched with other requests' records: until it lands, this
            # replica answers a redelivery as a duplicate and the others answer 503 (the claim is live).
            self.ledger.finish(update_id)
        return Answer(200, "ok")

    def _refuse(self, status: int, why: str) -> Answer:
        self.refused[status] = self.refused.get(status, 0) + 1
        if status != 503:
            log.warning("webhook: refused a request (%d): %s", status, why)
        return Answer(status, why)


def own_webhook(warden: Leader, set_webhook: Callable[[], Awaitable[Any]], *, name: str = "bot") -> None:
    """Call ``set_webhook`` each time ``warden`` becomes active; deleting is never done on demotion."""
    register = getattr(warden, "on_promote", None)
    if not callable(register):
        raise TypeError("webhook mode needs a leader with on_promote (a pgwarden Warden)")

    tasks: set[asyncio.Task[None]] = set()

    async def set_with_retries() -> None:
        for attempt in range(1, 6):
            try:
                await set_webhook()
                log.info("%s: active; the webhook is set", name)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - Telegram unreachable: retry, then say so
                log.warning(
                    "%s: setWebhook failed (%s: %s); attempt %d of 5", name, type(exc).__name__, exc, attempt
                )
                await asyncio.sleep(min(2.0**attempt, 10.0))
        log.error("%s: the webhook could not be set; updates keep going to the URL set before", name)

    def promoted() -> None:
        # In the background: a slow or unreachable Telegram must not hold up the promotion.
        task = asyncio.create_task(set_with_retries(), name="pgwarden-set-webhook")
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    register(promoted)
