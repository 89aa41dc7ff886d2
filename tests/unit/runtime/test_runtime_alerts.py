"""Alerts: [alerts] settings, Telegram sendMessage and webhook delivery, deduplication, failures never raise."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_telegram import FakeTelegram

from pgwarden.config import Config, parse
from pgwarden.errors import ConfigError
from pgwarden.runtime.alerts import DEFAULT_TOKEN_ENV, Alerter, AlertSettings

TOKEN = "777:alert-bot-token"


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        yield fake


def config(alerts: Any, *, pyproject: bool = False) -> Config:
    name = "pyproject.toml" if pyproject else "pgwarden.toml"
    return parse(
        {"alerts": alerts}, file=Path("/srv/bot") / name, prefix="tool.pgwarden." if pyproject else ""
    )


def test_settings_from_config_with_the_token_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DEFAULT_TOKEN_ENV, TOKEN)
    settings = AlertSettings.from_config(
        config(
            {"chat_ids": [42, "@ops"], "api_base": "http://127.0.0.1:1/", "min_interval": 60, "timeout": 3}
        )
    )
    assert settings == AlertSettings(
        telegram_token=TOKEN,
        chat_ids=(42, "@ops"),
        api_base="http://127.0.0.1:1",
        min_interval=60.0,
        timeout=3.0,
    )
    assert TOKEN not in repr(settings)
    monkeypatch.setenv("MY_BOT_TOKEN", "1:other")
    other = AlertSettings.from_config(config({"chat_ids": [1], "telegram_token_env": "MY_BOT_TOKEN"}))
    assert other.telegram_token == "1:other"


def test_no_alerts_section_means_alerts_are_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DEFAULT_TOKEN_ENV, raising=False)
    settings = AlertSettings.from_config(Config())
    assert settings == AlertSettings() and not settings.enabled


@pytest.mark.parametrize(
    ("alerts", "message"),
    [
        ({"chat_id": [1]}, r"/srv/bot/pyproject.toml: unknown key `tool.pgwarden.alerts.chat_id`"),
        ({"chat_ids": [True]}, r"`tool.pgwarden.alerts.chat_ids\[0\]` must be a chat id"),
        ({"chat_ids": {"a": 1}}, r"`tool.pgwarden.alerts.chat_ids` must be a list"),
        ({"chat_ids": [1]}, r"no bot token: set the environment variable PGWARDEN_ALERT_TELEGRAM_TOKEN"),
        ({"min_interval": "5m"}, r"`tool.pgwarden.alerts.min_interval` must be a number of seconds"),
        ({"timeout": 0}, r"`tool.pgwarden.alerts.timeout` must be more than 0"),
        ({"webhook_url": "hooks.example/x"}, r"`tool.pgwarden.alerts.webhook_url` must be an http"),
        ("yes", r"`tool.pgwarden.alerts` must be a table"),
    ],
)
def test_bad_settings_name_the_file_and_key(
    monkeypatch: pytest.MonkeyPatch, alerts: Any, message: str
) -> None:
    monkeypatch.delenv(DEFAULT_TOKEN_ENV, raising=False)
    with pytest.raises(ConfigError, match=message):
        AlertSettings.from_config(config(alerts, pyproject=True))


def test_telegram_and_webhook_delivery(telegram: FakeTelegram) -> None:
    settings = AlertSettings(
        telegram_token=TOKEN,
        chat_ids=(11, 12),
        api_base=telegram.url,
        webhook_url=f"{telegram.url}/webhook/ops",
    )

    async def scenario() -> bool:
        alerter = Alerter(settings)
        try:
            return await alerter.alert(
                "data_loss",
                "table public.bookings is missing",
                severity="critical",
                evidence={"missing": ["public.bookings"], "server_started_at": "2024-05-01T03:00:00Z"},
            )
        finally:
            await alerter.aclose()

    assert asyncio.run(scenario()) is True
    sent = telegram.sent(TOKEN)
    assert [m["chat_id"] for m in sent] == [11, 12]
    assert "CRITICAL" in sent[0]["text"] and "table public.bookings is missing" in sent[0]["text"]
    assert 'missing: ["public.bookings"]' in sent[0]["text"]
    ((name, body),) = telegram.webhooks()
    assert name == "ops"
    assert body["key"] == "data_loss" and body["severity"] == "critical" and body["source"] == "pgwarden"
    assert body["evidence"]["missing"] == ["public.bookings"] and body["suppressed_repeats"] == 0


def test_repeats_within_the_interval_are_counted_and_reported_with_the_next_alert(
    telegram: FakeTelegram,
) -> None:
    settings = AlertSettings(telegram_token=TOKEN, chat_ids=(1,), api_base=telegram.url, min_interval=0.3)

    async def scenario() -> list[bool]:
        alerter = Alerter(settings)
        results = [await alerter.alert("e", "column started_at does not exist") for _ in range(4)]
        results.append(await alerter.alert("other", "another key is not held back"))
        await asyncio.sleep(0.35)
        results.append(await alerter.alert("e", "column started_at does not exist"))
        await alerter.aclose()
        return results

    assert asyncio.run(scenario()) == [True, False, False, False, True, True]
    texts = [m["text"] for m in telegram.sent(TOKEN)]
    assert len(texts) == 3
    assert "repeated" not in texts[0]
    assert "(repeated 3 more times since the last alert)" in texts[2]


def test_undeliverable_alerts_are_logged_without_the_token_and_never_raise(
    telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    cases = [
        AlertSettings(telegram_token=TOKEN, chat_ids=(1,), api_base=dead, timeout=2),
        AlertSettings(telegram_token="not-a-token", chat_ids=(1,), api_base=telegram.url),
        AlertSettings(webhook_url=f"{telegram.url}/webhook-fail"),
        AlertSettings(webhook_url=f"{dead}/hook", timeout=2),
    ]

    async def scenario() -> list[bool]:
        results = []
        for settings in cases:
            alerter = Alerter(settings)
            results.append(await alerter.alert("k", "text"))
            await alerter.aclose()
        return results

    with caplog.at_level(logging.WARNING, logger="pgwarden.runtime.alerts"):
        assert asyncio.run(scenario()) == [False, False, False, False]
    assert "Telegram alert to chat 1 failed: ConnectError" in caplog.text
    assert "Telegram refused the alert to chat 1: HTTP 401 Unauthorized" in caplog.text
    assert "webhook refused the alert: HTTP 500" in caplog.text
    assert "webhook alert failed: ConnectError" in caplog.text
    assert TOKEN not in caplog.text and "not-a-token" not in caplog.text


def test_a_failed_alert_is_counted_into_the_next_one(telegram: FakeTelegram) -> None:
    async def scenario() -> None:
        alerter = Alerter(
            AlertSettings(telegram_token=TOKEN, chat_ids=(1,), api_base=telegram.url, min_interval=0)
        )
        alerter.settings = AlertSettings(
            telegram_token=TOKEN, chat_ids=(1,), api_base=telegram.url + "/x", min_interval=0
        )
        assert await alerter.alert("k", "lost") is False
        alerter.settings = AlertSettings(
            telegram_token=TOKEN, chat_ids=(1,), api_base=telegram.url, min_interval=0
        )
        assert await alerter.alert("k", "found") is True
        await alerter.aclose()

    asyncio.run(scenario())
    (message,) = telegram.sent(TOKEN)
    assert "(repeated 1 more time since the last alert)" in message["text"]


def test_nothing_configured_sends_nothing() -> None:
    async def scenario() -> bool:
        return await Alerter(AlertSettings()).alert("k", "text")

    assert asyncio.run(scenario()) is False
