"""``[telegram]``: which bot the service runs, how it receives updates, and where its token lives.

Read by ``pgwarden doctor telegram`` and ``pgwarden deploy verify``. The token comes from the
environment variable ``token_env`` (default ``TELEGRAM_BOT_TOKEN``) or, discouraged, the ``token``
key; it is registered with the redaction layer as soon as it is read, so it never reaches any
output, and this module's errors name the variable, never the value.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..errors import ConfigError
from ..redact import register_secret

if TYPE_CHECKING:
    from ..config import Config

__all__ = ["DEFAULT_API_BASE", "DEFAULT_TOKEN_ENV", "TELEGRAM_KEYS", "TelegramSettings"]

DEFAULT_API_BASE = "https://api.telegram.org"
DEFAULT_TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
DEFAULT_SECRET_ENV = "TELEGRAM_WEBHOOK_SECRET"
MODES = ("polling", "webhook")

TELEGRAM_KEYS = (
    "token_env",
    "token",
    "username",
    "mode",
    "webhook_url",
    "secret_token_env",
    "api_base",
    "timeout",
    "allowed_updates",
    "max_connections",
)


@dataclass(frozen=True)
class TelegramSettings:
    """The bot as configured; ``token`` is None when neither the variable nor the key holds one."""

    token: str | None = None
    token_env: str = DEFAULT_TOKEN_ENV
    username: str | None = None
    """The expected @username, without the @ (compared case-insensitively, as Telegram does)."""
    mode: str = "polling"
    webhook_url: str | None = None
    secret_token: str | None = None
    secret_token_env: str = DEFAULT_SECRET_ENV
    api_base: str = DEFAULT_API_BASE
    timeout: float = 10.0
    allowed_updates: tuple[str, ...] | None = None
    """Update types ``pgwarden run`` asks ``setWebhook`` for (None: Telegram's default)."""
    max_connections: int = 40
    """Simultaneous deliveries ``pgwarden run`` asks ``setWebhook`` for (Telegram allows 1-100)."""
    where: str = "pgwarden.toml"
    key: str = "telegram"

    def __repr__(self) -> str:  # the token must not reach logs through a repr
        return (
            f"TelegramSettings(token={'***' if self.token else None}, username={self.username!r}, "
            f"mode={self.mode!r}, webhook_url={self.webhook_url!r}, api_base={self.api_base!r})"
        )

    @property
    def api_host(self) -> str:
        return urlsplit(self.api_base).netloc or self.api_base

    def require_token(self) -> str:
        """The token, or a ``ConfigError`` naming where to put it."""
        if not self.token:
            raise ConfigError(
                f"No Telegram bot token: set the environment variable {self.token_env} (named by "
                f"`{self.key}.token_env` in {self.where}) to the token BotFather gave the bot."
            )
        return self.token

    @classmethod
    def from_config(
        cls, cfg: Config, *, environ: Mapping[str, str] | None = None, **flags: Any
    ) -> TelegramSettings:
        """``[telegram]`` with command-line ``flags`` (None: not given) applied over it."""
        env = os.environ if environ is None else environ
        section = cfg.table("telegram", TELEGRAM_KEYS)
        key = f"{cfg.prefix}telegram"
        values = {**section, **{k: v for k, v in flags.items() if v is not None}}
        return parse(values, where=cfg.where, key=key, environ=env)


def parse(values: Mapping[str, Any], *, where: str, key: str, environ: Mapping[str, str]) -> TelegramSettings:
    """Validate the ``[telegram]`` values; every error names ``where`` and ``key.name``."""

    def text(name: str) -> str | None:
        value = values.get(name)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            # never echo the value: `token` is a secret
            raise ConfigError(f"{where}: `{key}.{name}` must be a non-empty string.")
        return value.strip()

    token_env = text("token_env") or DEFAULT_TOKEN_ENV
    token = text("token") or environ.get(token_env, "").strip() or None
    register_secret(token)
    secret_env = text("secret_token_env") or DEFAULT_SECRET_ENV
    secret = environ.get(secret_env, "").strip() or None
    register_secret(secret)
    mode = text("mode") or "polling"
    if mode not in MODES:
        raise ConfigError(f"{where}: `{key}.mode` must be `polling` or `webhook`, got {mode!r}.")
    webhook_url = text("webhook_url")
    if mode == "webhook" and not webhook_url:
        raise ConfigError(
            f"{where}: `{key}.mode` is `webhook` but `{key}.webhook_url` is not set: name the HTTPS URL "
            "Telegram should deliver updates to."
        )
    api_base = (text("api_base") or DEFAULT_API_BASE).rstrip("/")
    for name, url in (("api_base", api_base), ("webhook_url", webhook_url)):
        if url is not None and (not url.startswith(("http://", "https://")) or not urlsplit(url).netloc):
            raise ConfigError(f"{where}: `{key}.{name}` must be an http:// or https:// URL.")
    timeout = values.get("timeout", 10.0)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ConfigError(f"{where}: `{key}.timeout` must be a positive number of seconds.")
    username = text("username")
    allowed = values.get("allowed_updates")
    if allowed is not None and (
        not isinstance(allowed, list) or not all(isinstance(u, str) and u.strip() for u in allowed)
    ):
        raise ConfigError(
            f'{where}: `{key}.allowed_updates` must be a list of update types, e.g. ["message", "callback_query"].'
        )
    max_connections = values.get("max_connections", 40)
    if (
        isinstance(max_connections, bool)
        or not isinstance(max_connections, int)
        or not 1 <= max_connections <= 100
    ):
        raise ConfigError(
            f"{where}: `{key}.max_connections` must be a whole number from 1 to 100 (Telegram's limit), "
            f"got {max_connections!r}."
        )
    return TelegramSettings(
        token=token,
        token_env=token_env,
        username=username.lstrip("@") if username else None,
        mode=mode,
        webhook_url=webhook_url,
        secret_token=secret,
        secret_token_env=secret_env,
        api_base=api_base,
        timeout=float(timeout),
        allowed_updates=tuple(u.strip() for u in allowed) if allowed is not None else None,
        max_connections=max_connections,
        where=where,
        key=key,
    )
