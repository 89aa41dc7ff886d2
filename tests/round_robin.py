"""A tiny round-robin HTTP proxy: one local URL in front of several replicas, as a PaaS router is.

A replica that refuses the connection (killed, restarting) is skipped for the next one; a
replica that does not answer in time (frozen) costs that request a 504, as at a real router.
"""

from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import web

__all__ = ["RoundRobin"]


class RoundRobin:
    """``await RoundRobin(urls).start()``; ``.url`` forwards POSTs (body and headers) to ``urls`` in turn."""

    def __init__(self, upstreams: list[str], *, timeout: float = 10.0) -> None:
        self.upstreams = upstreams
        self.timeout = timeout
        self._turn = 0
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhook"

    async def start(self) -> RoundRobin:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        app = web.Application()
        app.router.add_post("/webhook", self._forward)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        body = await request.read()
        headers = {
            k: v for k, v in request.headers.items() if k.lower().startswith("x-") or k == "Content-Type"
        }
        for _ in range(len(self.upstreams)):
            self._turn += 1
            upstream = self.upstreams[self._turn % len(self.upstreams)]
            try:
                async with self._session.post(upstream, data=body, headers=headers) as answer:
                    return web.Response(status=answer.status, body=await answer.read())
            except aiohttp.ClientConnectorError:
                continue
            except (asyncio.TimeoutError, aiohttp.ClientError):
                return web.Response(status=504, text="the replica did not answer")
        return web.Response(status=502, text="no replica accepted the connection")
