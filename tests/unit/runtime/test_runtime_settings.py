"""``[tool.pgwarden.runtime]``: defaults, the Telegram preset, and errors that name the file and key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pgwarden.config import parse
from pgwarden.errors import ConfigError
from pgwarden.runtime.settings import TELEGRAM_TAKEOVER_DELAY, RuntimeSettings


def settings(section: dict[str, Any], **overrides: Any) -> RuntimeSettings:
    cfg = parse(section, file=Path("/srv/bot/pyproject.toml"), prefix="tool.pgwarden.")
    return RuntimeSettings.from_config(cfg, **overrides)


def test_defaults() -> None:
    s = settings({})
    assert (s.name, s.ttl, s.check_interval, s.grace, s.data_loss_policy) == (
        "default",
        10.0,
        1.0,
        10.0,
        "halt",
    )
    assert s.renew_interval == pytest.approx(10 / 3)
    assert s.health_port is None and s.health_host == "127.0.0.1"
    assert s.effective_takeover_delay == 0.0


def test_values_from_the_file_and_flags_over_them() -> None:
    s = settings(
        {
            "name": "shop-bot",
            "runtime": {"ttl": 4, "check_interval": 0.5, "required_tables": ["public.users"]},
        },
        ttl=6.0,
        takeover_delay=None,
    )
    assert (s.name, s.ttl, s.check_interval, s.required_tables) == ("shop-bot", 6.0, 0.5, ("public.users",))


def test_telegram_preset_outlasts_the_long_poll() -> None:
    assert settings({"runtime": {"telegram": True}}).effective_takeover_delay == TELEGRAM_TAKEOVER_DELAY
    longer = settings({"runtime": {"telegram": True, "takeover_delay": 30}})
    assert longer.effective_takeover_delay == 30.0


def test_non_empty_tables_are_required_too() -> None:
    s = settings({"runtime": {"required_tables": ["a"], "non_empty_tables": ["b", "a"]}})
    assert s.all_required_tables == ("a", "b")


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ({"runtime": {"ttl": "10"}}, "tool.pgwarden.runtime.ttl"),
        ({"runtime": {"ttl": 0}}, "tool.pgwarden.runtime.ttl"),
        ({"runtime": {"ttl": 2, "check_interval": 1.5}}, "tool.pgwarden.runtime.check_interval"),
        ({"runtime": {"data_loss_policy": "recreate"}}, "tool.pgwarden.runtime.data_loss_policy"),
        ({"runtime": {"telegram": 1}}, "tool.pgwarden.runtime.telegram"),
        ({"runtime": {"required_tables": ["ok", 3]}}, "tool.pgwarden.runtime.required_tables[1]"),
        ({"runtime": {"ttls": 3}}, "tool.pgwarden.runtime.ttls"),
        ({"runtime": {"health_port": 70000}}, "tool.pgwarden.runtime.health_port"),
        ({"name": "two words"}, "tool.pgwarden.name"),
        ({"runtime": []}, "tool.pgwarden.runtime"),
    ],
)
def test_errors_name_the_file_and_the_key(section: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        settings(section)
    assert "/srv/bot/pyproject.toml" in str(caught.value)
    assert f"`{key}`" in str(caught.value)


def test_overrides_are_checked_too() -> None:
    with pytest.raises(ConfigError, match="ttl"):
        settings({}, ttl=-1.0)


@pytest.mark.parametrize("name", ["bad name!", "a.b.c", "", "x;drop", '"unclosed'])
def test_table_names_postgres_cannot_parse_are_config_errors(name: str) -> None:
    with pytest.raises(ConfigError, match=r"runtime\.non_empty_tables\[0\]"):
        settings({"runtime": {"non_empty_tables": [name]}})


@pytest.mark.parametrize("name", ["users", "public.users", '"Odd Name"', 'app."Mixed""Quote"', "заказы"])
def test_table_names_postgres_parses_are_accepted(name: str) -> None:
    assert settings({"runtime": {"non_empty_tables": [name]}}).non_empty_tables == (name,)
