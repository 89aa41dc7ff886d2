"""The library as the README shows it: ``Warden.from_config()`` from a file, from the environment, from nothing;
the README's aiogram snippet, unmodified, in two processes' worth of Wardens with a takeover between them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import Any

import pytest
from docs_blocks import ROOT, Block, blocks_of
from docs_harness import TOKEN, _aiogram, wait_for
from docs_runners import _run_python
from fake_telegram import FakeTelegram

from pgwarden.errors import UsageError
from pgwarden.runtime import Warden

pytestmark = pytest.mark.db


def readme_snippet() -> Block:
    """The README's library-mode block: the one that imports the aiogram integration."""
    found = [
        b
        for b in blocks_of(ROOT / "README.md")
        if b.lang == "python" and "pgwarden.integrations.aiogram" in b.source
    ]
    assert len(found) == 1, found
    return found[0]


def test_from_config_reads_a_config_file(
    docs_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pgwarden.toml").write_text(
        'name = "shop"\n'
        "[runtime]\nttl = 6\ncheck_interval = 0.5\n"
        '[alerts]\nchat_ids = [1]\ntelegram_token_env = "SHOP_ALERT_TOKEN"\napi_base = "http://127.0.0.1:9"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("SHOP_ALERT_TOKEN", "1:alerts")
    monkeypatch.setenv("DATABASE_URL", docs_db)
    monkeypatch.chdir(tmp_path)

    async def scenario() -> None:
        async with Warden.from_config() as w:
            await asyncio.wait_for(w.wait_active(), 15)
            assert (w.settings.name, w.settings.ttl, w.epoch) == ("shop", 6, 1)
            assert w.alerter is not None
        # The same file named explicitly, from another folder, with a flag overriding the name.
        monkeypatch.chdir(ROOT)
        async with Warden.from_config(tmp_path / "pgwarden.toml", name="shop-2") as w:
            await asyncio.wait_for(w.wait_active(), 15)
            assert w.settings.name == "shop-2"

    asyncio.run(scenario())


def test_from_config_with_environment_variables_only(
    docs_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", docs_db.replace("postgresql://", "postgresql+asyncpg://"))

    async def scenario() -> None:
        async with Warden.from_config() as w:
            await asyncio.wait_for(w.wait_active(), 15)
            assert w.settings.name == "default" and w.alerter is None and w.is_active

    asyncio.run(scenario())


def test_from_config_with_no_config_at_all_says_what_to_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(UsageError, match="set the environment variable DATABASE_URL"):
        Warden.from_config()


def test_from_config_with_only_a_db_argument(
    docs_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)

    async def scenario() -> None:
        async with Warden.from_config(db=docs_db, name="solo") as w:
            await asyncio.wait_for(w.wait_active(), 15)

    asyncio.run(scenario())


def test_the_readme_snippet_hands_the_bot_over_to_a_standby(
    docs_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two copies of the README's snippet share a database and a bot token; stopping the active one hands over."""
    block = readme_snippet()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", docs_db)
    with FakeTelegram() as fake:

        async def scenario() -> None:
            started: list[asyncio.Task[None]] = []

            async def start(who: str) -> asyncio.Task[None]:
                names: dict[str, Any] = {**_aiogram(fake, who), "log": logging.getLogger("docs")}

                async def forever() -> None:
                    await asyncio.Event().wait()

                task = asyncio.create_task(_run_python(block, names, forever))
                started.append(task)
                return task

            first = await start("a")
            await asyncio.sleep(1.5)  # the first copy is active before the second starts
            await start("b")
            fake.add_message(TOKEN, "one")
            await wait_for(lambda: len(fake.sent(TOKEN)) == 1)
            first.cancel()  # the active process goes away: its Warden demotes and releases the lease
            with contextlib.suppress(asyncio.CancelledError):
                await first
            fake.add_message(TOKEN, "two")
            await wait_for(lambda: len(fake.sent(TOKEN)) == 2, timeout=30)
            for task in started:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

        asyncio.run(scenario())
        assert [m["text"] for m in fake.sent(TOKEN)] == ["a: one", "b: two"]
        assert fake.conflicts(TOKEN) == 0
