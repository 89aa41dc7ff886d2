"""Secrets that the encoding of a report used to hide from its redaction are hidden in every format:
a registered secret that is not ASCII (``\\uXXXX`` in JSON), a URL's password in a GitHub title
(``:`` written ``%3A``), a double-quoted ``password="…"``."""

from __future__ import annotations

import io
import json

import pytest

from pgwarden import formats
from pgwarden.findings import Finding, Severity
from pgwarden.redact import MASK, redact, redacting, register_secret

FORMATS = ["text", "json", "github", "sarif"]


def finding(obj: str, message: str, *, hint: str = "", fix_sql: str | None = None) -> Finding:
    return Finding("PGW001", "drop_column", Severity.WARNING, obj, message, hint, fix_sql, "lint")


def rendered(found: list[Finding], fmt: str) -> str:
    target = io.StringIO()
    stream = redacting(target)
    formats.render(found, fmt, stream, color=False)
    stream.flush()
    text = target.getvalue()
    if fmt in ("json", "sarif"):
        json.loads(text)  # masking kept the document valid
    return text


def written_forms(secret: str) -> list[str]:
    """``secret`` as any format could write it: itself, JSON-escaped, GitHub-escaped."""
    github = secret.replace("%", "%25").replace(":", "%3A").replace(",", "%2C")
    return [secret, json.dumps(secret)[1:-1], github, github.replace("%3A", ":").replace("%2C", ",")]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_registered_secret_that_is_not_ascii_is_hidden(fmt: str) -> None:
    secret = "zzGeheimnis-\u00e4\u00f6\u00fc\u2014\U0001f511"
    register_secret(secret)
    text = rendered([finding("m/0001.sql:3:1", f"uses {secret} here", hint=f'quoted: "{secret}"')], fmt)
    assert MASK in text
    for form in written_forms(secret):
        assert form not in text, form


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_registered_secret_with_quotes_and_escapes_is_hidden(fmt: str) -> None:
    secret = 'zz"q\\uo%te,d:x'
    register_secret(secret)
    text = rendered([finding(f"public.{secret}", f"uses {secret}", fix_sql=f"SELECT '{secret}'")], fmt)
    for form in written_forms(secret):
        assert form not in text, form


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_url_password_in_an_object_name_is_hidden(fmt: str) -> None:
    obj = "postgresql://bot:s3cr3tGapPw@db.example:5432/app"
    text = rendered([finding(obj, "server unreachable")], fmt)
    assert "s3cr3tGapPw" not in text and MASK in text


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "said",
    ['password="s3 cr3tDq"', 'PASSWORD = "s3cr3tDq"', 'password="s3\\"cr3tDq"', 'password="s3cr3tDq"\''],
)
def test_a_double_quoted_password_is_hidden(fmt: str, said: str) -> None:
    text = rendered([finding("m/0002.sql:1:1", f"CREATE ROLE x {said} LOGIN", hint=f"{said} again")], fmt)
    assert "cr3tDq" not in text and MASK in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('connect password="a b" host=h', "connect password=*** host=h"),
        ('"msg": "connect password=\\"a b\\" host=h"', '"msg": "connect password=*** host=h"'),
        ('password="\\\\"', "password=***"),
        ('{"m": "password=", "n": "x"}', '{"m": "password=", "n": "x"}'),  # no value: nothing
    ],
)
def test_double_quoted_values_are_masked_whole(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_report_without_secrets_is_unchanged_by_redaction(fmt: str) -> None:
    found = [
        finding(
            "migrations/0001_init.sql:3:7",
            "ALTER TABLE t DROP COLUMN c — breaks readers",
            hint="Deploy, then drop.",
        ),
        finding(
            "public.users", "FOREIGN KEY on chat_id, 10,000 rows", fix_sql="CREATE INDEX ON users (chat_id);"
        ),
    ]
    plain = io.StringIO()
    formats.render(found, fmt, plain, color=False)
    assert rendered(found, fmt) == plain.getvalue()
