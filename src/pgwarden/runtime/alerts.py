"""Alerts to people: Telegram sendMessage to admin chats and a JSON webhook, deduplicated, never raising."""

from __future__ import annotations

import logging
import os
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import httpx
import orjson

from ..errors import ConfigError
from ..redact import redact, register_secret

if TYPE_CHECKING:
    from ..config import Config

__all__ = ["AlertSettings", "Alerter", "DEFAULT_TOKEN_ENV"]

DEFAULT_TOKEN_ENV = "PGWARDEN_ALERT_TELEGRAM_TOKEN"
_TELEGRAM_LIMIT = 4096
"""Telegram rejects longer message texts."""

log = logging.getLogger("pgwarden.runtime.alerts")


@dataclass(frozen=True)
class AlertSettings:
    """Where alerts go and how often the same one may repeat."""

    telegram_token: str | None = None
    chat_ids: tuple[int | str, ...] = ()
    api_base: str = "https://api.telegram.org"
    webhook_url: str | None = None
    min_interval: float = 300.0
    """Seconds during which a repeat of the same alert key is counted instead of sent."""
    timeout: float = 10.0

    def __repr__(self) -> str:  # the token must not reach logs through a repr
        token = "***" if self.telegram_token else None
        return (
            f"AlertSettings(telegram_token={token!r}, chat_ids={self.chat_ids!r}, api_base={self.api_base!r}, "
            f"webhook_url={self.webhook_url!r}, min_interval={self.min_interval!r}, timeout={self.timeout!r})"
        )

    @property
    def enabled(self) -> bool:
        return bool((self.telegram_token and self.chat_ids) or self.webhook_url)

    @classmethod
    def from_config(cls, cfg: Config) -> AlertSettings:
        """Read ``[alerts]``; the bot token comes from the file or from the env var ``telegram_token_env``."""
        section = cfg.table("alerts", ALERT_KEYS)
        where = cfg.where
        key = f"{cfg.prefix}alerts"

        def text(name: str) -> str | None:
            value = section.get(name)
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise ConfigError(f"{where}: `{key}.{name}` must be a non-empty string.")
            return value

        def seconds(name: str, default: float) -> float:
            value = section.get(name, default)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ConfigError(
                    f"{where}: `{key}.{name}` must be a number of seconds (0 or more), got {value!r}."
                )
            return float(value)

        token_env = text("telegram_token_env") or DEFAULT_TOKEN_ENV
        token = text("telegram_token") or os.environ.get(token_env) or None
        register_secret(token)
        raw_ids = section.get("chat_ids", [])
        if isinstance(raw_ids, int | str) and not isinstance(raw_ids, bool):
            raw_ids = [raw_ids]
        if not isinstance(raw_ids, list):
            raise ConfigError(
                f"{where}: `{key}.chat_ids` must be a list of chat ids (numbers or @channel names)."
            )
        chat_ids: list[int | str] = []
        for i, chat in enumerate(raw_ids):
            if isinstance(chat, bool) or not isinstance(chat, int | str) or chat == "":
                raise ConfigError(
                    f"{where}: `{key}.chat_ids[{i}]` must be a chat id number or an @channel name, got {chat!r}."
                )
            chat_ids.append(chat)
        if chat_ids and not token:
            raise ConfigError(
                f"{where}: `{key}.chat_ids` is set but there is no bot token: set the environment variable "
                f"{token_env} (named by `{key}.telegram_token_env`) or `{key}.telegram_token`."
            )
        api_base = (text("api_base") or cls.api_base).rstrip("/")
        webhook = text("webhook_url")
        register_secret(webhook)  # chat webhooks carry their credential in the path
        for name, url in (("api_base", api_base), ("webhook_url", webhook)):
            if url is not None and not url.startswith(("http://", "https://")):
                raise ConfigError(f"{where}: `{key}.{name}` must be an http:// or https:// URL.")
        timeout = seconds("timeout", cls.timeout)
        if timeout == 0:
            raise ConfigError(f"{where}: `{key}.timeout` must be more than 0 seconds.")
        return cls(
            telegram_token=token,
            chat_ids=tuple(chat_ids),
            api_base=api_base,
            webhook_url=webhook,
            min_interval=seconds("min_interval", cls.min_interval),
            timeout=timeout,
        )


ALERT_KEYS = (
    "telegram_token",
    "telegram_token_env",
    "chat_ids",
    "api_base",
    "webhook_url",
    "min_interval",
    "timeout",
)


class Alerter:
    """Sends alerts; a repeat of the same key within ``min_interval`` is counted and reported with the next one."""

    def __init__(self, settings: AlertSettings) -> None:
        self.settings = settings
        self._last: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}
        self._client: httpx.AsyncClient | None = None
        self._host = socket.gethostname()

    async def alert(
        self, key: str, text: str, *, severity: str = "error", evidence: dict[str, Any] | None = None
    ) -> bool:
        """Deliver one alert to every channel; True when at least one accepted it. Never raises."""
        settings = self.settings
        if not settings.enabled:
            log.debug("alert %s not sent: no alert channel configured", key)
            return False
        now = time.monotonic()
        last = self._last.get(key)
        if last is not None and now - last < settings.min_interval:
            self._suppressed[key] = self._suppressed.get(key, 0) + 1
            return False
        self._last[key] = now
        repeats = self._suppressed.pop(key, 0)
        delivered = False
        # an alert leaves the host: nothing secret in its text or evidence
        text = redact(text)
        if evidence:
            evidence = orjson.loads(redact(orjson.dumps(evidence, default=str).decode()))
        try:
            client = self._http()
            if settings.telegram_token and settings.chat_ids:
                message = _telegram_text(
                    text, severity=severity, evidence=evidence, repeats=repeats, host=self._host
                )
                for chat in settings.chat_ids:
                    delivered |= await self._send_telegram(client, chat, message)
            if settings.webhook_url:
                payload = {
                    "source": "pgwarden",
                    "key": key,
                    "severity": severity,
                    "text": text,
                    "evidence": evidence or {},
                    "suppressed_repeats": repeats,
                    "host": self._host,
                    "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                }
                delivered |= await self._post_webhook(client, settings.webhook_url, payload)
        except Exception as exc:  # noqa: BLE001 - an alert must never stop the guardian
            log.error("alert %s could not be sent: %s", key, self._scrub(repr(exc)))
        if not delivered:
            # Not delivered: the repeats still count towards the next attempt.
            self._suppressed[key] = self._suppressed.get(key, 0) + repeats + 1
        return delivered

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.settings.timeout)
        return self._client

    async def _send_telegram(self, client: httpx.AsyncClient, chat: int | str, message: str) -> bool:
        url = f"{self.settings.api_base}/bot{self.settings.telegram_token}/sendMessage"
        body = orjson.dumps({"chat_id": chat, "text": message, "disable_web_page_preview": True})
        try:
            response = await client.post(url, content=body, headers={"Content-Type": "application/json"})
            answer = (
                response.json()
                if response.headers.get("content-type", "").startswith("application/json")
                else {}
            )
        except (httpx.HTTPError, ValueError) as exc:
            log.warning(
                "Telegram alert to chat %s failed: %s", chat, self._scrub(f"{type(exc).__name__}: {exc}")
            )
            return False
        if response.status_code == 200 and answer.get("ok") is True:
            return True
        description = answer.get("description") if isinstance(answer, dict) else None
        log.warning(
            "Telegram refused the alert to chat %s: HTTP %s %s",
            chat,
            response.status_code,
            self._scrub(str(description or response.reason_phrase)),
        )
        return False

    async def _post_webhook(self, client: httpx.AsyncClient, url: str, payload: dict[str, Any]) -> bool:
        try:
            response = await client.post(
                url, content=orjson.dumps(payload, default=str), headers={"Content-Type": "application/json"}
            )
        except httpx.HTTPError as exc:
            log.warning("webhook alert failed: %s", self._scrub(f"{type(exc).__name__}: {exc}"))
            return False
        if 200 <= response.status_code < 300:
            return True
        log.warning("webhook refused the alert: HTTP %s", response.status_code)
        return False

    def _scrub(self, text: str) -> str:
        token = self.settings.telegram_token
        return redact(text.replace(token, "***") if token else text)


def _telegram_text(
    text: str, *, severity: str, evidence: dict[str, Any] | None, repeats: int, host: str
) -> str:
    lines = [f"pgwarden {severity.upper()} on {host}: {text}"]
    if repeats:
        lines.append(f"(repeated {repeats} more time{'s' if repeats != 1 else ''} since the last alert)")
    for name, value in (evidence or {}).items():
        shown = value if isinstance(value, str) else orjson.dumps(value, default=str).decode()
        lines.append(f"{name}: {shown}")
    message = "\n".join(lines)
    return message if len(message) <= _TELEGRAM_LIMIT else message[: _TELEGRAM_LIMIT - 1] + "…"
