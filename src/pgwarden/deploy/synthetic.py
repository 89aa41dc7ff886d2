"""The seed's manual ``curl`` of the webhook, done safely: a synthetic update posted with the secret token.

The update carries only an ``update_id`` (no message, no callback), so it passes the web server,
the secret-token check and the framework's parsing without reaching any handler: no user is
messaged and nothing is written. Its id is drawn from the top of the 31-bit range, far above the
ids Telegram hands out, so it cannot collide with a real update in an exactly-once ledger.
"""

from __future__ import annotations

import secrets
import time

import httpx

from ..redact import redact

__all__ = ["SECRET_HEADER", "post_update", "synthetic_update_id"]

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def synthetic_update_id() -> int:
    return 2**31 - 1 - secrets.randbelow(2**20)


def post_update(url: str, secret: str | None, *, timeout: float) -> tuple[int | None, str]:
    """``(HTTP status, one sentence)``; status is None when the webhook could not be reached."""
    headers = {SECRET_HEADER: secret} if secret else {}
    update_id = synthetic_update_id()
    started = time.perf_counter()
    try:
        response = httpx.post(url, json={"update_id": update_id}, headers=headers, timeout=timeout)
    except httpx.HTTPError as exc:
        return None, redact(f"POST {url} failed: {exc or type(exc).__name__}.")
    ms = (time.perf_counter() - started) * 1000
    said = f"POST {url} (update_id {update_id}) answered {response.status_code} in {ms:.0f} ms"
    if not secret:
        said += " (no secret token sent: TELEGRAM_WEBHOOK_SECRET is not set)"
    return response.status_code, redact(said + ".")
