"""A FakeTelegram that also answers like a bot in trouble: a revoked token, 429 rate limits, webhook errors.

Test-side on purpose: ``fake_telegram.py`` stays the shared fake; this subclass only changes the
answers the doctor and ``deploy verify`` tests need, keyed by token.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from fake_telegram import FakeTelegram


class TroubledTelegram(FakeTelegram):
    """``revoked``: tokens answered 401; ``limited``: token -> retry_after for 429; ``webhook_extra``:
    token -> fields merged into getWebhookInfo (``last_error_date``, ``ip_address``, …)."""

    def __init__(self) -> None:
        super().__init__()
        self.revoked: set[str] = set()
        self.limited: dict[str, int] = {}
        self.webhook_extra: dict[str, dict[str, Any]] = {}

    async def _api(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"].lower()
        if token in self.revoked:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        if token in self.limited:
            wait = self.limited[token]
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {wait}",
                    "parameters": {"retry_after": wait},
                },
                status=429,
            )
        response = await super()._api(request)
        if method == "getwebhookinfo" and token in self.webhook_extra:
            assert isinstance(response.body, bytes)
            body = json.loads(response.body)
            body["result"].update(self.webhook_extra[token])
            return web.json_response(body)
        return response
