"""PW115's widening fix goes through ``diff/live_fix.py``: pgwarden's own lint has nothing to say about its
timeouts or transaction, and the hint says what the rewrite locks and names the low-lock path."""

from __future__ import annotations

from pgwarden.catalog.model import Column, Constraint, Schema, Sequence, Table
from pgwarden.checks.telegram_ids import TelegramIds, findings
from pgwarden.lint import ALL_RULES, Settings, lint_text

TIMEOUTS_AND_TRANSACTIONS = {
    "missing-lock-timeout",
    "missing-statement-timeout",
    "nested-transaction",
    "unclosed-transaction",
    "concurrently-in-transaction",
}


def test_the_widening_fix_passes_pgwardens_lint_and_names_the_lock_and_the_low_lock_path() -> None:
    key = Constraint("bot_chats_pkey", "primary_key", "PRIMARY KEY (chat_id)", columns=("chat_id",))
    live = Schema(
        schemas=("public",),
        tables=(
            Table("public", "subscriptions", columns=(Column("id", "bigint"), Column("user_id", "integer"))),
            Table(
                "public",
                "bot_chats",
                columns=(
                    Column(
                        "chat_id",
                        "integer",
                        nullable=False,
                        default="nextval('bot_chats_chat_id_seq'::regclass)",
                    ),
                ),
                constraints=(key,),
            ),
        ),
        sequences=(
            Sequence("public", "bot_chats_chat_id_seq", "integer", owned_by="public.bot_chats.chat_id"),
        ),
    )
    found = findings(live, TelegramIds())
    assert {f.object for f in found} == {"public.subscriptions.user_id", "public.bot_chats.chat_id"}
    for finding in found:
        assert finding.fix_sql is not None
        said = {f.kind for f in lint_text("fix.sql", finding.fix_sql, Settings(rules=ALL_RULES))}
        assert not (said & TIMEOUTS_AND_TRANSACTIONS), (said, finding.fix_sql)
        assert finding.fix_sql.count("BEGIN;") == 1 and finding.fix_sql.rstrip().endswith("COMMIT;")
        assert (
            "SET LOCAL lock_timeout" in finding.fix_sql and "SET LOCAL statement_timeout" in finding.fix_sql
        )
        assert "ACCESS EXCLUSIVE" in finding.hint and "low-lock path" in finding.hint
    chats = next(f for f in found if f.object == "public.bot_chats.chat_id")
    assert 'ALTER SEQUENCE "public"."bot_chats_chat_id_seq" AS bigint;' in (chats.fix_sql or "")
