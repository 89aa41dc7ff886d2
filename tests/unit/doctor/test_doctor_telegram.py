"""`pgwarden doctor telegram` against the local fake Bot API: identity, webhook, 401, 429, logs, no token shown."""

from __future__ import annotations

import io
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from telegram_probe_fake import TroubledTelegram

from pgwarden.cli import main

TOKEN = "8524869517:AAF3kq9ZcXbT7yLmN2pQ4rS6tU8vW0xY1zA"
SECRET_HALF = TOKEN.split(":", 1)[1]


@pytest.fixture
def tg() -> Iterator[TroubledTelegram]:
    with TroubledTelegram() as fake:
        yield fake


@pytest.fixture(autouse=True)
def _token(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.chdir(tmp_path)  # no project config of the repository


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["doctor", "telegram", *args], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def kinds(out: str) -> dict[str, dict[str, Any]]:
    return {f["kind"]: f for f in json.loads(out)["findings"]}


def test_a_healthy_polling_bot_is_clean_and_says_who_it_is(tg: TroubledTelegram) -> None:
    code, out, err = run("--api-base", tg.url, "--username", "FAKE8524869517_bot", "--format", "json")
    assert code == 0, err
    info = kinds(out)["telegram_bot_info"]
    assert info["code"] == "PW520"
    assert info["evidence"]["username"] == "fake8524869517_bot" and info["evidence"]["webhook_url"] is None
    assert SECRET_HALF not in out + err


def test_another_bots_token_is_an_identity_mismatch(tg: TroubledTelegram) -> None:
    code, out, _ = run("--api-base", tg.url, "--username", "shop_bot", "--format", "json")
    found = kinds(out)["telegram_identity_mismatch"]
    assert code == 1 and found["code"] == "PW522"
    assert found["evidence"] == {"expected": "shop_bot", "actual": "fake8524869517_bot", "bot_id": 8524869517}


def test_a_webhook_left_set_while_polling_is_named_with_its_url(tg: TroubledTelegram) -> None:
    set_webhook(tg, "https://old.example.com/hook")
    code, out, _ = run("--api-base", tg.url, "--format", "json")
    found = kinds(out)["telegram_webhook_while_polling"]
    assert code == 1 and found["code"] == "PW523"
    assert found["evidence"]["webhook_url"] == "https://old.example.com/hook"


def test_webhook_info_last_error_ip_and_max_connections_are_reported(tg: TroubledTelegram) -> None:
    set_webhook(tg, "https://bot.example.com/webhook")
    tg.webhook_extra[TOKEN] = {
        "last_error_date": int(time.time()) - 30,
        "last_error_message": "Wrong response from the webhook: 502 Bad Gateway",
        "max_connections": 40,
        "ip_address": "203.0.113.7",
        "pending_update_count": 250,
    }
    code, out, _ = run(
        "--api-base",
        tg.url,
        "--mode",
        "webhook",
        "--webhook-url",
        "https://bot.example.com/webhook",
        "--format",
        "json",
    )
    found = kinds(out)
    assert code == 1
    assert "telegram_webhook_mismatch" not in found
    error = found["telegram_webhook_error"]
    assert error["severity"] == "error" and "502 Bad Gateway" in error["message"]
    assert found["telegram_pending_updates"]["evidence"]["pending_update_count"] == 250
    info = found["telegram_bot_info"]["evidence"]
    assert (info["max_connections"], info["ip_address"]) == (40, "203.0.113.7")
    assert info["last_error_message"].endswith("502 Bad Gateway")


def test_an_old_webhook_error_is_only_a_warning(tg: TroubledTelegram) -> None:
    set_webhook(tg, "https://bot.example.com/webhook")
    tg.webhook_extra[TOKEN] = {"last_error_date": int(time.time()) - 7200, "last_error_message": "timeout"}
    code, out, _ = run(
        "--api-base",
        tg.url,
        "--mode",
        "webhook",
        "--webhook-url",
        "https://bot.example.com/webhook",
        "--format",
        "json",
    )
    assert code == 0 and kinds(out)["telegram_webhook_error"]["severity"] == "warning"


def test_a_webhook_pointing_elsewhere_is_a_mismatch(tg: TroubledTelegram) -> None:
    set_webhook(tg, "https://old.example.com/hook")
    code, out, _ = run(
        "--api-base",
        tg.url,
        "--mode",
        "webhook",
        "--webhook-url",
        "https://bot.example.com/webhook",
        "--format",
        "json",
    )
    found = kinds(out)["telegram_webhook_mismatch"]
    assert code == 1 and found["evidence"]["actual"] == "https://old.example.com/hook"


def test_a_revoked_token_is_401_and_never_printed(tg: TroubledTelegram) -> None:
    tg.revoked.add(TOKEN)
    for fmt in ("text", "json", "github", "sarif"):
        code, out, err = run("--api-base", tg.url, "--format", fmt)
        assert code == 1
        assert SECRET_HALF not in out + err
        assert "PW521" in out
    assert tg.calls(TOKEN) == []  # the revoked answers come before the fake records a call


def test_a_malformed_token_is_rejected_without_showing_it(
    tg: TroubledTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "not-a-token-but-a-secret-value")
    code, out, err = run("--api-base", tg.url)
    assert code == 1 and "PW521" in out
    assert "not-a-token-but-a-secret-value" not in out + err


def test_rate_limited_by_the_api_reports_retry_after(tg: TroubledTelegram) -> None:
    tg.limited[TOKEN] = 17
    code, out, _ = run("--api-base", tg.url, "--format", "json")
    found = kinds(out)["telegram_rate_limited"]
    assert code == 0 and found["evidence"]["retry_after"] == 17 and "17 s" in found["message"]


def test_logs_add_401_403_and_429_with_the_longest_retry_after(tg: TroubledTelegram, tmp_path: Path) -> None:
    log = tmp_path / "bot.log"
    now = time.strftime("%Y-%m-%d %H:%M:%S")
    log.write_text(
        f"{now},100 ERROR aiogram.exceptions.TelegramRetryAfter: Telegram server says - Flood control "
        "exceeded on method 'SendMessage' in chat 1. Retry in 17 seconds.\n"
        f'{now},200 ERROR {{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 35",'
        '"parameters":{"retry_after":35}}\n'
        f"{now},300 WARNING telegram.error.Forbidden: Forbidden: bot was blocked by the user\n"
        f"{now},400 ERROR aiogram.exceptions.TelegramUnauthorizedError: Telegram server says - Unauthorized "
        f"https://api.telegram.org/bot{TOKEN}/getMe\n",
        encoding="utf-8",
    )
    code, out, err = run("--api-base", tg.url, "--log", str(log), "--format", "json")
    found = kinds(out)
    assert code == 1, err
    assert found["telegram_rate_limited"]["evidence"]["retry_after_max"] == 35
    assert found["telegram_bot_blocked"]["code"] == "PW528"
    assert found["telegram_token_rejected"]["evidence"]["seen_in"] == "logs"
    assert SECRET_HALF not in out + err


def test_telegram_unreachable_exits_3_naming_the_host() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    code, out, err = run("--api-base", f"http://127.0.0.1:{port}")
    assert code == 3 and out == ""
    assert f"127.0.0.1:{port}" in err and err.count("\n") == 1 and "Traceback" not in err
    assert SECRET_HALF not in err


def test_a_missing_token_names_the_variable(monkeypatch: pytest.MonkeyPatch, tg: TroubledTelegram) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
    code, _, err = run("--api-base", tg.url)
    assert code == 2 and "TELEGRAM_BOT_TOKEN" in err


def test_malformed_telegram_config_is_a_usage_error(tmp_path: Path, tg: TroubledTelegram) -> None:
    (tmp_path / "pgwarden.toml").write_text(
        f'[telegram]\nmode = "webhok"\napi_base = "{tg.url}"\ntoken = "{TOKEN}"\n', encoding="utf-8"
    )
    code, _, err = run()
    assert code == 2 and "telegram.mode" in err and "pgwarden.toml" in err
    (tmp_path / "pgwarden.toml").write_text('[telegram]\nusername = "x"\ntokn = "abc"\n', encoding="utf-8")
    code, _, err = run()
    assert code == 2 and "telegram.tokn" in err and "telegram.token" in err
    (tmp_path / "pgwarden.toml").write_text(
        f'[telegram]\ntoken = "{TOKEN}"\ntimeout = -1\n', encoding="utf-8"
    )
    code, _, err = run()
    assert code == 2 and "telegram.timeout" in err and SECRET_HALF not in err


def test_the_token_from_the_config_key_works(
    tmp_path: Path, tg: TroubledTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN")
    monkeypatch.setenv("MY_BOT_TOKEN", TOKEN)
    (tmp_path / "pgwarden.toml").write_text(
        f'[telegram]\ntoken_env = "MY_BOT_TOKEN"\napi_base = "{tg.url}"\nusername = "fake8524869517_bot"\n',
        encoding="utf-8",
    )
    code, out, err = run()
    assert code == 0, err
    assert "@fake8524869517_bot" in out and SECRET_HALF not in out


def set_webhook(tg: TroubledTelegram, url: str) -> None:
    import httpx

    httpx.post(f"{tg.url}/bot{TOKEN}/setWebhook", json={"url": url}).raise_for_status()


def test_a_bot_api_that_never_answers_times_out_with_exit_3(tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)  # connections queue in the kernel; nobody ever reads them
        port = listener.getsockname()[1]
        (tmp_path / "pgwarden.toml").write_text(
            f'[telegram]\napi_base = "http://127.0.0.1:{port}"\ntimeout = 0.5\n', encoding="utf-8"
        )
        started = time.monotonic()
        code, out, err = run()
    assert code == 3 and out == "" and time.monotonic() - started < 10
    assert "did not answer getMe within 0.5 s" in err and f"127.0.0.1:{port}" in err
    assert SECRET_HALF not in err


def test_a_server_that_is_not_the_bot_api_is_named(tg: TroubledTelegram) -> None:
    code, _, err = run("--api-base", f"{tg.url}/webhook-fail")
    assert code == 3 and "no Bot API JSON" in err and "api_base" in err and SECRET_HALF not in err
