"""json and SARIF reports written to a redacting stream: the same bytes as redacting the whole
document line by line, while only the strings it holds are scanned for secrets (``json_sink``)."""

from __future__ import annotations

import io
from typing import Any

import pytest

from pgwarden import formats
from pgwarden._jsonout import dumps, plain_strings
from pgwarden.findings import CHUNK, Finding, Severity, sort_findings, write_pieces
from pgwarden.redact import MASK, RedactingStream, json_sink, redacting, register_secret

TOKEN_TAIL = "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_"


def finding(message: str, *, hint: str = "", fix_sql: str | None = None, **evidence: Any) -> Finding:
    return Finding(
        "unique-constraint-without-index",
        "unique-constraint-without-index",
        Severity.WARNING,
        "migrations/0001_x.sql:3:1",
        message,
        hint,
        fix_sql,
        "lint",
        evidence,
    )


CLEAN = [
    finding(
        "ALTER TABLE t ADD CONSTRAINT u UNIQUE (a) takes a lock… while it builds",
        hint="Build the index first.",
    ),
    Finding("PW101", "missing_column", Severity.ERROR, "public.jobs.chat_id", "column is missing — add it"),
]

# Each list: findings whose secret only a redaction of the whole document could see, or that
# fields hold in pieces: the fast path must give these exactly what the slow one gives.
CASES: dict[str, list[Finding]] = {
    "clean": CLEAN,
    "url password in a message": [*CLEAN, finding("connect to postgresql://bot:s3cr3tpw@db/app failed")],
    "dsn password in a hint": [*CLEAN, finding("x", hint="run with PGPASSWORD=s3cr3tpw")],
    # the evidence's key and value are two JSON strings: `"BOT_TOKEN": "s3cr3tpw"` in the document
    "secret name as a key, its value a string": [*CLEAN, finding("x", BOT_TOKEN="s3cr3tpw")],
    # SARIF joins message and hint with a space: the secret exists only in the joined text
    "secret split across message and hint": [*CLEAN, finding("set API_TOKEN", hint="= s3cr3tpw")],
    # a quoted value that opens in one field and closes in another
    "quoted password across fields": [*CLEAN, finding("password='s3cr", hint="3tpw' and more")],
    # escaping makes the words: a backspace before "earer" is written `\bearer`, a dash `\u2014`
    "bearer made by an escape": [*CLEAN, finding("auth \x08earer abcdefgh12345 sent")],
    "token digits made by an escape": [*CLEAN, finding(f"bot —56:{TOKEN_TAIL} used")],
    "telegram token in fix_sql": [*CLEAN, finding("x", fix_sql=f"SELECT '123456789:{TOKEN_TAIL}'")],
}


def slow_path(found: list[Finding], fmt: str) -> str:
    """What the report was before the strings were scanned instead: the whole document, written
    through a redacting stream in the same pieces."""
    ordered = sort_findings(found)
    if fmt == "json":
        doc: Any = {"findings": [f.to_dict() for f in ordered], "summary": formats.summarize(ordered)}
    else:
        doc = formats.to_sarif(ordered)
    target = io.StringIO()
    stream = redacting(target)
    text = dumps(doc) + "\n"
    write_pieces(stream, (text[start : start + CHUNK] for start in range(0, len(text), CHUNK)))
    stream.flush()
    return target.getvalue()


def fast_path(found: list[Finding], fmt: str) -> str:
    target = io.StringIO()
    stream = redacting(target)
    formats.render(found, fmt, stream)
    stream.flush()
    return target.getvalue()


@pytest.mark.parametrize("fmt", ["json", "sarif"])
@pytest.mark.parametrize("case", list(CASES))
def test_same_bytes_as_redacting_the_whole_document(case: str, fmt: str) -> None:
    assert fast_path(CASES[case], fmt) == slow_path(CASES[case], fmt)


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_secrets_in_fields_are_hidden(fmt: str) -> None:
    cases = ["url password in a message", "dsn password in a hint"]
    if fmt == "json":  # SARIF does not carry the evidence
        cases.append("secret name as a key, its value a string")
    for case in cases:
        text = fast_path(CASES[case], fmt)
        assert "s3cr3tpw" not in text and MASK in text, case
    assert TOKEN_TAIL not in fast_path(CASES["telegram token in fix_sql"], fmt)


def test_the_sarif_split_secret_is_hidden_where_it_is_joined() -> None:
    assert "s3cr3tpw" not in fast_path(CASES["secret split across message and hint"], "sarif")


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_registered_secret_is_hidden_on_the_fast_path(fmt: str) -> None:
    register_secret("zzPlantedReportSecret")
    found = [*CLEAN, finding("uses zzPlantedReportSecret here"), finding("x", note="zzPlantedReportSecret")]
    text = fast_path(found, fmt)
    assert "zzPlantedReportSecret" not in text and text == slow_path(found, fmt)


def test_sink_skips_the_scan_only_when_no_string_could_match() -> None:
    target = io.StringIO()
    stream = redacting(target)
    clean = dumps(["ADD CONSTRAINT … FOREIGN KEY", "https-free text", "12345:ab"])
    sink = json_sink(stream, clean)
    assert sink is target or (isinstance(sink, RedactingStream) and sink.target is target)
    for suspicious in (
        "postgresql://u:pw@h",
        "password = x",
        "API_KEY",
        "Bearer abcdefghijk",
        "\x08earer abcdefghij",
    ):
        assert json_sink(stream, dumps([suspicious])) is stream, suspicious
    stream.write("held, no newline yet")
    assert json_sink(stream, clean) is stream  # what the stream holds is redacted with what follows
    plain = io.StringIO()
    assert json_sink(plain, clean) is plain  # not a redacting stream: left as it is


@pytest.mark.parametrize("case", list(CASES))
def test_every_string_of_the_documents_is_listed(case: str) -> None:
    ordered = sort_findings(CASES[case])
    strings: list[str] = []
    sarif = formats.to_sarif(ordered, strings=strings)
    assert set(plain_strings(sarif) or ["not plain"]) <= set(strings)
    doc = {"findings": [f.to_dict() for f in ordered], "summary": formats.summarize(ordered)}
    listed = formats._json_strings(ordered, doc, None)
    assert listed is not None and set(plain_strings(doc) or ["not plain"]) <= set(listed)


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK])
def test_chunks_are_the_pieces_of_the_text_and_a_newline(size: int) -> None:
    text = "x" * size
    expected = text + "\n"
    assert list(formats._chunks(text)) == [expected[i : i + CHUNK] for i in range(0, len(expected), CHUNK)]
