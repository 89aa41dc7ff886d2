"""``[[expect.grants]]``: the config keys, the questions asked of a schema, the findings of the answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgwarden import config
from pgwarden.catalog import Schema, Table
from pgwarden.catalog.model import Sequence
from pgwarden.checks.declared import LiveGrants, check_grants
from pgwarden.checks.declared.grant import Wanted, wanted
from pgwarden.errors import ConfigError
from pgwarden.expectations import ExpectGrant


def load(tmp_path: Path, text: str) -> tuple[ExpectGrant, ...]:
    (tmp_path / "pgwarden.toml").write_text(text)
    return config.load(tmp_path / "pgwarden.toml").expect.grants


def test_grants_in_config_are_upper_cased_and_all_expands(tmp_path: Path) -> None:
    grants = load(
        tmp_path,
        '[[expect.grants]]\nrole = "bot"\nprivileges = ["select", "Insert"]\ntables = ["users"]\n\n'
        '[[expect.grants]]\nrole = "bot"\nprivileges = ["ALL"]\nsequences = ["*"]\n',
    )
    assert grants == (
        ExpectGrant("bot", ("SELECT", "INSERT"), tables=("users",)),
        ExpectGrant("bot", ("USAGE", "SELECT", "UPDATE"), sequences=("*",)),
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('privileges = ["SELECT"]', "needs exactly one of `tables`, `sequences` or `schemas`"),
        ('privileges = ["SELECT"]\ntables = ["a"]\nschemas = ["public"]', "needs exactly one of"),
        ('privileges = ["EXECUTE"]\ntables = ["a"]', r"`expect.grants\[0\].privileges` may name SELECT"),
        ('privileges = ["CREATE"]\nsequences = ["a"]', "may name USAGE, SELECT, UPDATE or ALL on sequences"),
        ('privileges = []\ntables = ["a"]', "is empty"),
        ('tables = ["a"]', r"`expect.grants\[0\]` needs `privileges`"),
    ],
)
def test_bad_grants_name_the_key(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load(tmp_path, f'[[expect.grants]]\nrole = "bot"\n{body}\n')


SCHEMA = Schema(
    schemas=("app", "public"),
    tables=(Table("public", "bot_users"), Table("public", "bot_chats"), Table("public", "audit")),
    sequences=(Sequence("public", "bot_chats_id_seq"),),
)


def test_patterns_expand_and_named_objects_that_do_not_exist_are_kept_apart() -> None:
    asked, unknown = wanted(
        [
            ExpectGrant("bot", ("SELECT",), tables=("bot_*", "app.nothing", "none_*")),
            ExpectGrant("bot", ("USAGE",), schemas=("app",)),
        ],
        SCHEMA,
    )
    assert [(w.object, w.privilege) for w in asked] == [
        ("public.bot_chats", "SELECT"),
        ("public.bot_users", "SELECT"),
        ("app", "USAGE"),
    ]
    assert [(u.target, u.object) for u in unknown] == [("table", "app.nothing")]


def test_findings_carry_a_quoted_grant_and_skip_what_is_held() -> None:
    expect = ExpectGrant("Bot Role", ("SELECT", "INSERT"), tables=("bot_users",))
    held = {
        Wanted("Bot Role", "table", "public", "bot_users", "SELECT"): True,
        Wanted("Bot Role", "table", "public", "bot_users", "INSERT"): False,
    }
    (finding,) = check_grants([expect], SCHEMA, LiveGrants(frozenset({"Bot Role"}), held))
    assert (finding.code, finding.object) == ("PW116", "public.bot_users: INSERT to Bot Role")
    assert finding.fix_sql == 'GRANT INSERT ON TABLE "public"."bot_users" TO "Bot Role";'


def test_a_role_that_does_not_exist_is_one_finding_not_one_per_privilege() -> None:
    expect = ExpectGrant("ghost", ("SELECT", "INSERT"), tables=("bot_*",))
    found = check_grants([expect], SCHEMA, LiveGrants(frozenset(), {}))
    assert [(f.code, f.object) for f in found] == [("PW119", "ghost")]
