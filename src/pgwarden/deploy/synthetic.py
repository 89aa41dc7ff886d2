"""The seed's manual ``curl`` of the webhook, done safely: a synthetic update posted with the secret token.

The update carries only an ``update_id`` (no message, no callback), so it passes the web server,
the secret-token check and the framework's parsing without reaching any handler: no user is
messaged and nothing is written. Its id is drawn from the top of the 31-bit range, far above the
ids Telegram hands out, so it cannot collide with a real update in an exactly-once ledger.
"""

from __future__ import annotations

import json
import secrets
import time
import urllib.error
import urllib.request

from ..redact import redact

__all__ = ["SECRET_HEADER", "post_update", "synthetic_update_id"]

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def synthetic_update_id() -> int:
    return 2**31 - 1 - secrets.randbelow(2**20)


def post_update(url: str, secret: str | None, *, timeout: float) -> tuple[int | None, str]:
    """``(HTTP status, one sentence)``; status is None when the webhook could not be reached."""
    headers = {"Content-Type": "application/json", **({SECRET_HEADER: secret} if secret else {})}
    update_id = synthetic_update_id()
    body = json.dumps({"update_id": update_id}).encode()
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        return None, redact(f"POST {url} failed: {reason or type(exc).__name__}.")
    ms = (time.perf_counter() - started) * 1000
    said = f"POST {url} (update_id {update_id}) answered {status} in {ms:.0f} ms"
    if not secret:
        said += " (no secret token sent: TELEGRAM_WEBHOOK_SECRET is not set)"
    return status, redact(said + ".")
