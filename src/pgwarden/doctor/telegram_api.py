"""The two Bot API calls the doctor and ``deploy verify`` make (getMe, getWebhookInfo), and nothing else.

I/O only: what the answers mean is ``telegram_findings``. The token sits in the URL path, as the
Bot API wants it; no error this module raises contains the URL, only the host. The standard
library's HTTP client (proxies from the environment, as curl) is enough for two requests and
starts in a fraction of httpx's import time: this is a command people time against curl.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from ..errors import PgwardenError
from ..redact import redact

__all__ = ["ApiError", "Probe", "TelegramUnreachable", "call", "probe"]


class TelegramUnreachable(PgwardenError):
    """The Bot API host did not answer (DNS, connection refused, timeout, not HTTP): exit 3."""

    exit_code = 3


@dataclass(frozen=True)
class ApiError:
    """An answer with ``ok: false``: Telegram's error code, its description and ``retry_after`` for 429."""

    code: int
    description: str
    retry_after: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"error_code": self.code, "description": self.description, "retry_after": self.retry_after}


@dataclass(frozen=True)
class Probe:
    """What getMe and getWebhookInfo answered (a result, or the API's error)."""

    me: dict[str, Any] | None
    me_error: ApiError | None
    webhook: dict[str, Any] | None
    webhook_error: ApiError | None
    elapsed: float


def call(api_base: str, token: str, method: str, *, timeout: float, host: str) -> dict[str, Any] | ApiError:
    """One Bot API method without parameters: its ``result``, or the ``ApiError`` it answered."""
    request = urllib.request.Request(f"{api_base}/bot{token}/{method}", data=b"", method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:  # 4xx/5xx: the Bot API's JSON is in the body
        status, raw = exc.code, exc.read()
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        if isinstance(reason, TimeoutError):
            raise TelegramUnreachable(
                f"The Telegram Bot API at {host} did not answer {method} within {timeout:g} s; "
                "check this host's network and proxy settings, or `telegram.api_base`."
            ) from None
        said = redact(str(reason).replace(token, "***")) or type(exc).__name__
        raise TelegramUnreachable(
            f"The Telegram Bot API at {host} could not be reached ({said}); check this host's network, "
            "DNS and proxy settings, or `telegram.api_base`."
        ) from None
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if not isinstance(body, dict) or "ok" not in body:
        raise TelegramUnreachable(
            f"{host} answered {method} with HTTP {status} and no Bot API JSON; "
            "check `telegram.api_base` (it names the API server, e.g. https://api.telegram.org)."
        )
    if body["ok"]:
        result = body.get("result")
        return result if isinstance(result, dict) else {"result": result}
    parameters = body.get("parameters") if isinstance(body.get("parameters"), dict) else {}
    retry = parameters.get("retry_after") if parameters else None
    return ApiError(
        code=int(body.get("error_code") or status),
        description=redact(str(body.get("description") or "")),
        retry_after=int(retry) if isinstance(retry, int | float) else None,
    )


def probe(api_base: str, token: str, *, timeout: float, host: str) -> Probe:
    """getMe then getWebhookInfo; raises ``TelegramUnreachable``."""
    started = time.perf_counter()
    me = call(api_base, token, "getMe", timeout=timeout, host=host)
    # A rejected token fails every method the same way: one call says it.
    if isinstance(me, ApiError) and me.code == 401:
        return Probe(None, me, None, None, time.perf_counter() - started)
    info = call(api_base, token, "getWebhookInfo", timeout=timeout, host=host)
    return Probe(
        me=None if isinstance(me, ApiError) else me,
        me_error=me if isinstance(me, ApiError) else None,
        webhook=None if isinstance(info, ApiError) else info,
        webhook_error=info if isinstance(info, ApiError) else None,
        elapsed=time.perf_counter() - started,
    )
