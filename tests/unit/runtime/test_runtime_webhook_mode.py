"""`pgwarden run` webhook mode without a database: settings refused at start, what the child is told, setWebhook."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from pathlib import Path
from uuid import uuid4

import pytest
from fake_telegram import FakeTelegram

from pgwarden.cli import main
from pgwarden.doctor.telegram_settings import parse
from pgwarden.errors import ConfigError
from pgwarden.integrations.supervised import Supervised
from pgwarden.runtime.webhook_mode import BotApiError, WebhookMode, call, watch_polling_conflict

TOKEN = "777001:webhook-mode-token"
SECRET = "a-good-secret_123"


def settings(**values: object) -> WebhookMode:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": SECRET}
    tg = parse(
        {"mode": "webhook", "webhook_url": "https://bot.example.com/hook", **values},
        where="pgwarden.toml",
        key="telegram",
        environ=env,
    )
    return WebhookMode.from_telegram(tg)


def run_in(folder: Path, toml: str, *flags: str) -> tuple[int, str]:
    (folder / "pgwarden.toml").write_text(toml)
    out, err = io.StringIO(), io.StringIO()
    argv = ["run", "--db", "postgresql://nobody@127.0.0.1:1/none", *flags, "--", "true"]
    code = main(argv, out, err)
    return code, out.getvalue() + err.getvalue()


@pytest.mark.parametrize(
    ("toml", "env", "says"),
    [
        (
            'webhook_url = "http://bot.example.com/hook"',
            {},
            "`telegram.webhook_url` on bot.example.com is not HTTPS",
        ),
        (
            'webhook_url = "https://bot.example.com/hook"',
            {"TELEGRAM_WEBHOOK_SECRET": None},
            "TELEGRAM_WEBHOOK_SECRET",
        ),
        ('webhook_url = "https://bot.example.com/hook"\nmax_connections = 101', {}, "from 1 to 100"),
        ('webhook_url = "https://bot.example.com/hook"\nmax_connections = 0', {}, "from 1 to 100"),
        ('webhook_url = "https://bot.example.com/hook"', {"TELEGRAM_BOT_TOKEN": None}, "TELEGRAM_BOT_TOKEN"),
        ('webhook_url = "https://bot.example.com/hook"', {"TELEGRAM_WEBHOOK_SECRET": "not ok!"}, "A-Z, a-z"),
        ("", {}, "`telegram.webhook_url` is not set"),
    ],
)
def test_bad_webhook_settings_are_one_sentence_and_exit_2_without_the_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, toml: str, env: dict[str, str | None], says: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    for name, value in env.items():
        if value is None:
            monkeypatch.delenv(name)
        else:
            monkeypatch.setenv(name, value)
    code, said = run_in(tmp_path, f'[telegram]\nmode = "webhook"\n{toml}\n')
    assert code == 2, said
    assert says in said and said.strip().count("\n") == 0, said
    assert TOKEN not in said and SECRET not in said and "Traceback" not in said


def test_the_webhook_url_flag_turns_webhook_mode_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    code, said = run_in(tmp_path, "", "--webhook-url", "http://10.0.0.8/hook")
    assert code == 2 and "is not HTTPS" in said, said


def test_the_child_reads_back_what_the_supervisor_tells_it() -> None:
    mode = settings(allowed_updates=["message", "callback_query"], max_connections=7)
    instance = uuid4()
    env = {
        **mode.child_env(),
        "PGWARDEN_NAME": "bot",
        "PGWARDEN_INSTANCE": str(instance),
        "PGWARDEN_DATABASE_URL": "postgresql://u@h/db",
        "PGWARDEN_TTL": "6",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
    }
    assert SECRET not in mode.child_env().values() and TOKEN not in mode.child_env().values()
    child = Supervised.from_env(env)
    assert child.webhook is not None and child.webhook.url == "https://bot.example.com/hook"
    assert child.webhook.secret_token == SECRET and child.webhook.max_connections == 7
    assert child.webhook.allowed_updates == ("message", "callback_query")
    assert not child.is_active and child.epoch is None
    assert (child.settings.name, child.settings.ttl, child.instance.id) == ("bot", 6.0, instance)
    polling = Supervised.from_env(
        {k: v for k, v in env.items() if not k.startswith("PGWARDEN_MODE")} | {"PGWARDEN_EPOCH": "3"}
    )
    assert polling.is_active and polling.epoch == 3 and polling.webhook is None
    with pytest.raises(ConfigError, match="not started by `pgwarden run`"):
        Supervised.from_env({})
    with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_SECRET"):
        Supervised.from_env({k: v for k, v in env.items() if k != "TELEGRAM_WEBHOOK_SECRET"})


def test_set_webhook_reaches_the_bot_api_and_errors_never_hold_the_token() -> None:
    with FakeTelegram() as fake:
        mode = settings(api_base=fake.url, webhook_url="http://127.0.0.1:9/hook", max_connections=3)
        asyncio.run(mode.set_webhook())
        info = fake.webhook_info(TOKEN)
        assert info["url"] == "http://127.0.0.1:9/hook" and info["max_connections"] == 3
        with pytest.raises(BotApiError) as refused:
            call(fake.url, "not-a-token", "setWebhook", {"url": "x"}, 5.0)
        assert "401" in str(refused.value) and "not-a-token" not in str(refused.value)
    with pytest.raises(BotApiError, match="could not be reached") as unreachable:
        call("http://127.0.0.1:9", TOKEN, "getWebhookInfo", {}, 2.0)
    assert TOKEN not in str(unreachable.value)


def test_a_webhook_left_set_while_polling_is_named_at_promotion(caplog: pytest.LogCaptureFixture) -> None:
    class Leader:
        def __init__(self) -> None:
            self.promoted: list[Callable[[], None]] = []

        def on_promote(self, cb: Callable[[], None]) -> None:
            self.promoted.append(cb)

    async def promote(leader: Leader) -> None:
        for cb in leader.promoted:
            cb()
        await asyncio.gather(*(t for t in asyncio.all_tasks() if t.get_name() == "pgwarden-webhook-conflict"))

    with FakeTelegram() as fake:
        env = {"TELEGRAM_BOT_TOKEN": TOKEN}
        tg = parse({"api_base": fake.url}, where="pgwarden.toml", key="telegram", environ=env)
        leader = Leader()
        assert watch_polling_conflict(tg, leader) is not None
        asyncio.run(promote(leader))
        assert "webhook is set" not in caplog.text  # none set: nothing said
        call(fake.url, TOKEN, "setWebhook", {"url": "https://old.example.com/hook"}, 5.0)
        asyncio.run(promote(leader))
    assert "a webhook is set for this bot (https://old.example.com/hook) while it polls" in caplog.text
    assert "409" in caplog.text and "deleteWebhook" in caplog.text and TOKEN not in caplog.text
    assert watch_polling_conflict(parse({}, where="x", key="telegram", environ={}), Leader()) is None
