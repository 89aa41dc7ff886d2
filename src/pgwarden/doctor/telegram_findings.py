"""What the Bot API's answers and the service's logs say about a Telegram bot, as findings (pure logic).

``evaluate`` reads a ``Probe`` (getMe, getWebhookInfo) against ``TelegramSettings``;
``from_logs`` turns the log doctor's Telegram incidents (401, 403, 429, webhook conflicts) into
findings of the same codes, so one report covers what Telegram says now and what it said before.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from .. import codes
from ..findings import Finding, Severity
from .telegram_api import ApiError, Probe
from .telegram_settings import TelegramSettings

if TYPE_CHECKING:  # the report module loads the log matcher; `doctor telegram` without logs needs none
    from .report import Incident

__all__ = ["PENDING_BACKLOG", "RECENT_ERROR", "bot_object", "evaluate", "from_logs", "retry_after_of"]

PENDING_BACKLOG = 100
"""Updates waiting at Telegram above which a backlog is reported: the bot is not keeping up."""
RECENT_ERROR = 3600.0
"""Seconds within which the webhook's last delivery error counts as current."""
_RETRY = re.compile(r"(?i)(?:retry[ _]after\D{0,4}|retry in )(\d+)")


def bot_object(settings: TelegramSettings, me: dict[str, Any] | None = None) -> str:
    """``bot:@name`` when known, else ``bot:<id>`` (the public half of the token), else ``bot``."""
    if me and me.get("username"):
        return f"bot:@{me['username']}"
    if settings.username:
        return f"bot:@{settings.username}"
    if settings.token and ":" in settings.token:
        return f"bot:{settings.token.split(':', 1)[0]}"
    return "bot"


def _f(kind: str, obj: str, message: str, hint: str, severity: Severity | None = None, **ev: Any) -> Finding:
    return codes.finding(kind, obj, message, hint, source="doctor", severity=severity, evidence=ev)


def _when(stamp: Any) -> str | None:
    if not isinstance(stamp, int | float) or stamp <= 0:
        return None
    return datetime.fromtimestamp(stamp, timezone.utc).isoformat()


def evaluate(
    probe: Probe, settings: TelegramSettings, *, now: float, recent_since: float | None = None
) -> list[Finding]:
    """Findings about the bot from getMe and getWebhookInfo; ``recent_since`` (epoch seconds, default
    ``now - RECENT_ERROR``) is when a webhook delivery error starts to count as current."""
    obj = bot_object(settings, probe.me)
    found: list[Finding] = []
    for method, error in (("getMe", probe.me_error), ("getWebhookInfo", probe.webhook_error)):
        if error is not None:
            found.append(_api_error(method, error, settings, obj))
    if probe.me is not None:
        found += _identity(probe.me, settings, obj)
    if probe.webhook is not None:
        found += _webhook(probe.webhook, settings, obj, now=now, recent_since=recent_since)
    if probe.me is not None or probe.webhook is not None:
        found.append(_info(probe, settings, obj))
    return found


def _api_error(method: str, error: ApiError, settings: TelegramSettings, obj: str) -> Finding:
    if error.code == 401:
        return _f(
            "telegram_token_rejected",
            obj,
            f"Telegram rejected the bot token from {settings.token_env} (401 Unauthorized): it was revoked, "
            "mistyped or belongs to another deployment.",
            f"Get the current token from @BotFather, put it in {settings.token_env} in the service's "
            "environment, restart the service, and run `pgwarden doctor telegram` again.",
            seen_in="api",
            method=method,
            **error.to_dict(),
        )
    if error.code == 429:
        wait = error.retry_after
        return _f(
            "telegram_rate_limited",
            obj,
            f"Telegram answered {method} with 429 Too Many Requests"
            + (f"; retry after {wait} s." if wait is not None else "."),
            "Honour retry_after before the next request and throttle sending (python-telegram-bot's "
            "AIORateLimiter, aiogram's retry middleware); never retry 429 in a loop.",
            seen_in="api",
            method=method,
            **error.to_dict(),
        )
    return _f(
        "telegram_api_error",
        obj,
        f"Telegram answered {method} with {error.code}: {error.description or 'no description'}.",
        "Check `telegram.api_base` (a local Bot API server must be running) and the token; the "
        "description above says what Telegram refused.",
        method=method,
        **error.to_dict(),
    )


def _identity(me: dict[str, Any], settings: TelegramSettings, obj: str) -> list[Finding]:
    actual = str(me.get("username") or "")
    if settings.username is None or actual.lower() == settings.username.lower():
        return []
    return [
        _f(
            "telegram_identity_mismatch",
            obj,
            f"The token in {settings.token_env} belongs to @{actual} (id {me.get('id')}), not to the expected "
            f"@{settings.username}: the service would answer as another bot.",
            f"Put @{settings.username}'s token in {settings.token_env} (BotFather: /token), or correct "
            f"`{settings.key}.username` if the bot was renamed.",
            expected=settings.username,
            actual=actual,
            bot_id=me.get("id"),
        )
    ]


def _webhook(
    info: dict[str, Any], settings: TelegramSettings, obj: str, *, now: float, recent_since: float | None
) -> list[Finding]:
    found: list[Finding] = []
    url = str(info.get("url") or "")
    pending = int(info.get("pending_update_count") or 0)
    if settings.mode == "polling" and url:
        found.append(
            _f(
                "telegram_webhook_while_polling",
                obj,
                f"A webhook is set ({url}) while the bot is configured to poll: every getUpdates fails "
                "with 409 Conflict and the bot receives nothing.",
                "Delete it once (`curl -X POST https://api.telegram.org/bot$TOKEN/deleteWebhook`, or "
                "`await bot.delete_webhook()`), and find the deployment that set it; or set "
                f'`{settings.key}.mode = "webhook"` if the bot is meant to use it.',
                webhook_url=url,
                pending_update_count=pending,
            )
        )
    if settings.mode == "webhook" and url != (settings.webhook_url or ""):
        what = f"points at {url}" if url else "is not set"
        found.append(
            _f(
                "telegram_webhook_mismatch",
                obj,
                f"The bot's webhook {what}, not at this deployment's {settings.webhook_url}: Telegram "
                "delivers the updates elsewhere, or nowhere.",
                "Let the active instance call setWebhook with this URL and the secret token at start "
                "(`pgwarden run` in webhook mode does), or call it once by hand; then check again.",
                expected=settings.webhook_url,
                actual=url or None,
            )
        )
    last_error = info.get("last_error_date")
    if url and isinstance(last_error, int | float) and last_error > 0:
        since = now - RECENT_ERROR if recent_since is None else recent_since
        current = last_error >= since
        found.append(
            _f(
                "telegram_webhook_error",
                obj,
                f"Telegram's last delivery to the webhook failed "
                f"{int(max(0.0, now - last_error))} s ago: {info.get('last_error_message') or 'no message'}.",
                "Make the webhook answer 200 quickly (handle updates in the background), check that the "
                "URL is reachable over HTTPS with a valid certificate, and that the secret token matches.",
                severity=Severity.ERROR if current else Severity.WARNING,
                last_error_date=_when(last_error),
                last_error_message=info.get("last_error_message"),
                current=current,
                pending_update_count=pending,
            )
        )
    if pending > PENDING_BACKLOG:
        found.append(
            _f(
                "telegram_pending_updates",
                obj,
                f"{pending} updates wait at Telegram: the bot is not receiving or not keeping up.",
                "Check that exactly one instance polls (or the webhook answers 200), and its handlers do "
                "not block; `pgwarden status` shows which instance is active.",
                pending_update_count=pending,
            )
        )
    return found


def _info(probe: Probe, settings: TelegramSettings, obj: str) -> Finding:
    me, info = probe.me or {}, probe.webhook or {}
    url = info.get("url") or ""
    parts = [f"Bot @{me.get('username')} (id {me.get('id')})" if me else "Bot"]
    parts.append(f"webhook {url}" if url else "no webhook (polling)")
    parts.append(f"{int(info.get('pending_update_count') or 0)} pending update(s)")
    if info.get("max_connections"):
        parts.append(f"max_connections {info['max_connections']}")
    if info.get("ip_address"):
        parts.append(f"IP {info['ip_address']}")
    return _f(
        "telegram_bot_info",
        obj,
        ", ".join(parts) + f"; configured mode {settings.mode}.",
        "Nothing to do; this is what Telegram reports about the bot.",
        bot_id=me.get("id"),
        username=me.get("username"),
        webhook_url=url or None,
        pending_update_count=int(info.get("pending_update_count") or 0),
        max_connections=info.get("max_connections"),
        ip_address=info.get("ip_address"),
        last_error_date=_when(info.get("last_error_date")),
        last_error_message=info.get("last_error_message"),
        allowed_updates=info.get("allowed_updates"),
        api_seconds=round(probe.elapsed, 3),
    )


_FROM_LOGS = {
    "telegram-unauthorized": "telegram_token_rejected",
    "telegram-flood-control": "telegram_rate_limited",
    "telegram-bot-blocked": "telegram_bot_blocked",
    "telegram-bot-kicked": "telegram_bot_blocked",
    "telegram-webhook-active": "telegram_webhook_while_polling",
}


def retry_after_of(lines: Sequence[str]) -> int | None:
    """The longest ``retry_after`` the log lines quote (JSON, aiogram's and PTB's wordings)."""
    waits = [int(m.group(1)) for line in lines for m in _RETRY.finditer(line)]
    return max(waits) if waits else None


def from_logs(incidents: Sequence[Incident], settings: TelegramSettings) -> list[Finding]:
    """One finding per Telegram incident the log doctor found, with its count and times."""
    obj = bot_object(settings)
    found: list[Finding] = []
    for incident in incidents:
        kind = _FROM_LOGS.get(incident.signature.id)
        if kind is None:
            continue
        tally, sig = incident.tally, incident.signature
        evidence: dict[str, Any] = {
            "signature": sig.id,
            "count": tally.count,
            "first_seen": tally.first_seen.isoformat() if tally.first_seen else None,
            "last_seen": tally.last_seen.isoformat() if tally.last_seen else None,
        }
        message = f"The logs show {tally.count} × {sig.title}"
        if kind == "telegram_rate_limited":
            wait = retry_after_of(tally.examples)
            evidence["retry_after_max"] = wait
            message += f" (longest retry_after {wait} s)" if wait is not None else ""
        severity = None if kind != "telegram_webhook_while_polling" else Severity.WARNING
        found.append(_f(kind, obj, message + ".", sig.remedy, severity=severity, seen_in="logs", **evidence))
    return found
