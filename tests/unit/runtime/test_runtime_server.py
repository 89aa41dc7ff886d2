"""The endpoint server: live/ready 200/503 with reasons, Prometheus metrics, bearer token; `pgwarden health`."""

from __future__ import annotations

import asyncio
import io
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry, Gauge

from pgwarden.cli import main
from pgwarden.cli.health import endpoint_url
from pgwarden.errors import ConfigError
from pgwarden.runtime.health import ProcessHealth
from pgwarden.runtime.metrics import HealthCollector
from pgwarden.runtime.server import HealthServer, start_server


class Probes:
    def __init__(self) -> None:
        self.ready = False
        self.alive = True
        self.reasons = ["schema gate: 2 migrations pending"]

    def live(self) -> tuple[bool, dict[str, Any]]:
        return self.alive, {"problems": [] if self.alive else ["no progress from 'telegram' for 75 s"]}

    def ready_probe(self) -> tuple[bool, dict[str, Any]]:
        return self.ready, {"reasons": [] if self.ready else self.reasons, "role": "standby"}


def serve(
    body: Callable[[HealthServer, Probes], Awaitable[None]], *, token: str | None = None, registry: Any = None
) -> None:
    probes = Probes()

    async def scenario() -> None:
        server = await start_server(
            live=probes.live, ready=probes.ready_probe, registry=registry or CollectorRegistry(), token=token
        )
        try:
            await body(server, probes)
        finally:
            await server.close()

    asyncio.run(scenario())


def test_live_and_ready_answer_200_or_503_with_reasons() -> None:
    async def body(server: HealthServer, probes: Probes) -> None:
        assert server.url == f"http://127.0.0.1:{server.port}" and server.port > 0
        async with httpx.AsyncClient(base_url=server.url) as client:
            live = await client.get("/health/live")
            assert live.status_code == 200 and live.json() == {"ok": True, "problems": []}
            ready = await client.get("/health/ready")
            assert ready.status_code == 503
            assert ready.json() == {
                "ok": False,
                "reasons": ["schema gate: 2 migrations pending"],
                "role": "standby",
            }
            probes.ready = True
            assert (await client.get("/health/ready")).status_code == 200
            assert (await client.get("/nope")).status_code == 404

    serve(body)


def test_metrics_are_served_in_prometheus_text_format() -> None:
    registry = CollectorRegistry()
    leader = Gauge("pgwarden_leader", "1 while this instance is active", registry=registry)
    leader.set(1)
    registry.register(HealthCollector(ProcessHealth()))

    async def body(server: HealthServer, probes: Probes) -> None:
        async with httpx.AsyncClient(base_url=server.url) as client:
            response = await client.get("/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        assert "pgwarden_leader 1.0" in response.text
        assert "# TYPE pgwarden_never_awaited_total counter" in response.text

    serve(body, registry=registry)


def test_a_token_is_required_when_configured() -> None:
    async def body(server: HealthServer, probes: Probes) -> None:
        async with httpx.AsyncClient(base_url=server.url) as client:
            for path in ("/health/live", "/health/ready", "/metrics"):
                denied = await client.get(path)
                assert denied.status_code == 401 and denied.headers["www-authenticate"] == "Bearer"
                assert "s3cret" not in denied.text
            wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
            assert wrong.status_code == 401
            good = await client.get("/health/live", headers={"Authorization": "Bearer s3cret"})
            assert good.status_code == 200

    serve(body, token="s3cret")


def test_a_probe_that_raises_means_503_not_a_dead_server() -> None:
    async def scenario() -> None:
        def broken() -> tuple[bool, dict[str, Any]]:
            raise RuntimeError("database gone")

        server = await start_server(live=broken, ready=broken, registry=CollectorRegistry())
        try:
            async with httpx.AsyncClient(base_url=server.url) as client:
                response = await client.get("/health/live")
            assert response.status_code == 503 and "database gone" in response.json()["reasons"][0]
        finally:
            await server.close()

    asyncio.run(scenario())


def test_a_busy_port_is_a_config_error_naming_the_setting() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]

        async def scenario() -> None:
            await start_server(
                live=Probes().live, ready=Probes().live, registry=CollectorRegistry(), port=port
            )

        with pytest.raises(ConfigError, match=f"127.0.0.1:{port}.*runtime.health_port"):
            asyncio.run(scenario())


def test_close_frees_the_port() -> None:
    async def scenario() -> int:
        server = await start_server(live=Probes().live, ready=Probes().live, registry=CollectorRegistry())
        await server.close()
        return server.port

    port = asyncio.run(scenario())
    with socket.socket() as again:
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", port))


# --- pgwarden health -----------------------------------------------------------------------


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["health", *args], out, err)
    return code, out.getvalue(), err.getvalue()


def test_endpoint_url() -> None:
    assert endpoint_url("http://127.0.0.1:8080", live=False) == "http://127.0.0.1:8080/health/ready"
    assert endpoint_url("127.0.0.1:8080/", live=True) == "http://127.0.0.1:8080/health/live"
    assert endpoint_url("http://h:1/health/live", live=False) == "http://h:1/health/live"


def test_health_command_exit_codes() -> None:
    async def body(server: HealthServer, probes: Probes) -> None:
        code, out, _ = await asyncio.to_thread(run_cli, "--url", server.url)
        assert code == 1 and "ready: no" in out and "2 migrations pending" in out
        code, out, _ = await asyncio.to_thread(run_cli, "--url", server.url, "--live")
        assert code == 0 and "live: yes" in out
        probes.alive = False
        code, out, _ = await asyncio.to_thread(run_cli, "--url", f"{server.url}/health/live")
        assert code == 1 and "live: no" in out and "no progress from 'telegram'" in out
        probes.ready = True
        code, _, _ = await asyncio.to_thread(run_cli, "--url", server.url)
        assert code == 0

    serve(body)


def test_health_command_with_token() -> None:
    async def body(server: HealthServer, probes: Probes) -> None:
        code, _, err = await asyncio.to_thread(run_cli, "--url", server.url, "--live")
        assert code == 2 and "--token" in err
        code, _, _ = await asyncio.to_thread(run_cli, "--url", server.url, "--live", "--token", "t0k")
        assert code == 0

    serve(body, token="t0k")


def test_health_command_when_nothing_listens() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, _, err = run_cli("--url", f"http://127.0.0.1:{port}", "--timeout", "2")
    assert code == 3 and "nothing answered" in err
