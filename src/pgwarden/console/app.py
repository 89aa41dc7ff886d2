"""The console's web application: the page, its panels for the in-place refresh, and its static files.

Read-only by construction (GET only; every read is a SELECT in a READ ONLY transaction). When a
token is set, each request needs it: as ``Authorization: Bearer <token>``, or once in a login link
(``/login?token=...``) that leaves a cookie holding an HMAC of it, never the token itself.
Each client gets a bucket of requests; an empty bucket answers 429.

Every address in the page is relative (``panels``, ``static/console.css``, ``./``), so the same
application serves at ``/`` (``pgwarden console``) and mounted under a prefix (the guardian's
``/console/``).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import datetime, timezone
from importlib import resources

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ..redact import redact
from .render import fragment, page
from .state import Console

__all__ = ["RateLimit", "build_app"]

COOKIE = "pgwarden_console"
_STATIC = {"console.css": "text/css; charset=utf-8", "console.js": "text/javascript; charset=utf-8"}
_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # Everything comes from this server; no CDN, no inline script.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'",
}


class RateLimit:
    """A token bucket per client address: ``burst`` requests at once, then ``per_second``."""

    def __init__(self, per_second: float = 5.0, burst: int = 30) -> None:
        self.per_second, self.burst = per_second, burst
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, client: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.get(client, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.per_second)
        if len(self._buckets) > 10_000:  # many clients: forget the idle ones instead of growing
            self._buckets.clear()
        if tokens < 1.0:
            self._buckets[client] = (tokens, now)
            return False
        self._buckets[client] = (tokens - 1.0, now)
        return True


def build_app(console: Console, *, token: str | None = None, limit: RateLimit | None = None) -> Starlette:
    """The ASGI application serving ``console`` (mountable under any path of another Starlette app)."""
    limit = limit or RateLimit()
    cookie_value = hmac.new(token.encode(), b"pgwarden-console", hashlib.sha256).hexdigest() if token else ""
    static = {name: _read_static(name) for name in _STATIC}

    def authorised(request: Request) -> bool:
        if token is None:
            return True
        given = request.headers.get("authorization", "")
        if hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return True
        return hmac.compare_digest(request.cookies.get(COOKIE, "").encode(), cookie_value.encode())

    def guard(request: Request) -> Response | None:
        client = request.client.host if request.client else "-"
        if not limit.allow(client):
            return Response(
                "Too many requests: wait a second.\n", 429, headers={"Retry-After": "1", **_HEADERS}
            )
        if not authorised(request):
            return Response(
                "This console needs a token: open the login link pgwarden printed, or send "
                "Authorization: Bearer <token>.\n",
                401,
                headers={"WWW-Authenticate": "Bearer", **_HEADERS},
            )
        return None

    # Rendered in a worker thread: mounted on the guardian, a large page never delays its event loop.
    def whole() -> str:
        now = datetime.now(timezone.utc)
        body = page(
            console.panels(),
            now=now,
            database=console.database,
            refresh=console.refresh,
            banner=console.banner(now),
        )
        return redact(body)

    def part() -> str:
        now = datetime.now(timezone.utc)
        return redact(fragment(console.panels(), now=now, banner=console.banner(now)))

    async def index(request: Request) -> Response:
        refused = guard(request)
        if refused is not None:
            return refused
        return HTMLResponse(await run_in_threadpool(whole), headers=_HEADERS)

    async def panels(request: Request) -> Response:
        refused = guard(request)
        if refused is not None:
            return refused
        return HTMLResponse(await run_in_threadpool(part), headers=_HEADERS)

    async def state(request: Request) -> Response:
        refused = guard(request)
        if refused is not None:
            return refused
        return JSONResponse(console.snapshot(), headers=_HEADERS)

    async def login(request: Request) -> Response:
        client = request.client.host if request.client else "-"
        if not limit.allow(client):
            return Response("Too many requests.\n", 429, headers={"Retry-After": "1"})
        given = request.query_params.get("token", "")
        if token is None or not hmac.compare_digest(given.encode(), token.encode()):
            return Response("This login link is not valid.\n", 401, headers=_HEADERS)
        # The token leaves the address bar at once; the cookie holds only its HMAC.
        response = RedirectResponse("./", status_code=303, headers=_HEADERS)
        # Scoped to where the console is mounted ("/console/" on the guardian, "/" alone).
        mounted = str(request.scope.get("root_path", "")).rstrip("/") + "/"
        response.set_cookie(COOKIE, cookie_value, httponly=True, samesite="strict", path=mounted)
        return response

    def serve_static(name: str) -> Route:
        async def endpoint(request: Request) -> Response:
            refused = guard(request)
            if refused is not None:
                return refused
            return Response(static[name], media_type=_STATIC[name], headers={"Cache-Control": "max-age=300"})

        return Route(f"/static/{name}", endpoint, methods=["GET"])

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/panels", panels, methods=["GET"]),
        Route("/state.json", state, methods=["GET"]),
        Route("/login", login, methods=["GET"]),
        *(serve_static(name) for name in _STATIC),
    ]
    return Starlette(routes=routes)


def _read_static(name: str) -> bytes:
    return resources.files(__package__).joinpath("static").joinpath(name).read_bytes()
