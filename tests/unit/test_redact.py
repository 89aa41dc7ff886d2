"""The redaction layer: every secret shape pgwarden knows is hidden, ordinary text is left alone."""

from __future__ import annotations

import io
import logging

import pytest

from pgwarden.cli import main
from pgwarden.redact import RedactingFilter, RedactingStream, redact, register_environment, register_secret

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("postgresql://bot:s3cr3tpw@db:5432/app", "s3cr3tpw"),
        ("postgresql+asyncpg://bot:p@ss@word@db/app", "ss@word"),
        ("host=db password=s3cr3tpw user=bot", "s3cr3tpw"),
        ("host=db password='s3 cr3t' user=bot", "s3 cr3t"),
        ("postgresql://db/app?user=bot&password=s3cr3tpw", "s3cr3tpw"),
        ("PGPASSWORD=s3cr3tpw psql", "s3cr3tpw"),
        ('{"BOT_TOKEN": "s3cr3tpw"}', "s3cr3tpw"),
        ("pg_dump --password=s3cr3tpw", "s3cr3tpw"),
        (f"https://api.telegram.org/bot{TOKEN}/getUpdates", TOKEN.split(":")[1]),
        (f"token {TOKEN} rejected", TOKEN.split(":")[1]),
        ("Authorization: Bearer abc.def.s3cr3tpw", "s3cr3tpw"),
        ('{"authorization": "Basic Zm9vOmJhcg=="}', "Zm9vOmJhcg"),
    ],
)
def test_secrets_are_hidden(text: str, secret: str) -> None:
    assert secret not in redact(text)
    assert "***" in redact(text)
    # beside characters that are not ASCII (the triggers are looked for in ASCII-lowered bytes)
    assert redact(f"— {text} — ünï") == f"— {redact(text)} — ünï"


@pytest.mark.parametrize(
    "text",
    [
        'FATAL:  password authentication failed for user "bot"',
        "bot@db.example:5432/app",
        "git@github.com:owner/repo",
        "ALTER ROLE bot PASSWORD ...",
        "public.users.password_hash is missing",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact(text) == text


def test_registered_literals_are_hidden_anywhere() -> None:
    register_secret("plantedLiteral42")
    # words around it that no other test registers (the registry lives for the whole process)
    assert redact("qqbefore plantedLiteral42 qqafter") == "qqbefore *** qqafter"


def test_environment_secrets_and_url_passwords_are_registered() -> None:
    register_environment(
        [("MY_SERVICE_TOKEN", "envTokenValue9"), ("DATABASE_URL", "postgresql://u:urlPass%4099@h/d")]
    )
    assert redact("envTokenValue9 and urlPass@99") == "*** and ***"


def test_stream_sees_a_secret_written_in_pieces() -> None:
    target = io.StringIO()
    stream = RedactingStream(target)
    for piece in ("postgresql://bot:s3c", "r3tpw@db/app", "\npartial PGPASSWORD=", "s3cr3tpw"):
        stream.write(piece)
    assert target.getvalue() == "postgresql://bot:***@db/app\n"
    stream.flush()
    assert target.getvalue() == "postgresql://bot:***@db/app\npartial PGPASSWORD=***"


def test_logging_filter_redacts_arguments() -> None:
    record = logging.LogRecord(
        "pgwarden", logging.INFO, __file__, 1, "connecting to %s", ("postgresql://u:pw12345@h/d",), None
    )
    RedactingFilter().filter(record)
    assert "pw12345" not in record.getMessage()


def test_errors_printed_by_the_command_line_are_redacted() -> None:
    out, err = io.StringIO(), io.StringIO()
    code = main(["lint", "--against", "mysql://bot:clipassword1@db/app", "nothing.sql"], out, err)
    assert code == 2
    assert "clipassword1" not in out.getvalue() + err.getvalue()


def test_records_of_pgwarden_loggers_reach_any_handler_redacted(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="pgwarden.integrations"):
        logging.getLogger("pgwarden.integrations").info("polling with %s", f"bot{TOKEN}")
        logging.getLogger("pgwarden.runtime").warning("lost postgresql://bot:hunter2xyz@db/app")
    assert "polling with bot123456789:***" in caplog.text
    assert "lost postgresql://bot:***@db/app" in caplog.text
