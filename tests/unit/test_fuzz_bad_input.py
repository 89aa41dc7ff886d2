"""Fuzzing the inputs a user controls: config files, migration files, log lines and URLs.

Whatever the input: no traceback, never exit 70, and never the planted password or token in
any output.
"""

from __future__ import annotations

import io
import json
import socket
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pgwarden.cli import main
from pgwarden.errors import UsageError
from pgwarden.redact import redact
from pgwarden.urls import describe, to_libpq

PASSWORD = "Fuzz-Pw-5521"
TOKEN = "123456789:AAFuzzTokenFuzzTokenFuzzTokenFuzz0011"
SECRET_HALF = TOKEN.split(":")[1]

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def run(argv: list[str], cwd: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    import os

    old = Path.cwd()
    os.chdir(cwd)
    try:
        code = main(argv, out, err)
    finally:
        os.chdir(old)
    return code, out.getvalue() + err.getvalue()


def assert_sane(code: int, text: str, allowed: set[int]) -> None:
    assert code in allowed, text
    assert "Traceback" not in text
    assert "internal error" not in text
    assert PASSWORD not in text
    assert SECRET_HALF not in text


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- config files ---------------------------------------------------------------------------

KEYS = [
    "models",
    "migrations",
    "migratons",
    "snapshot",
    "dev_url",
    "schemas",
    "ignore",
    "connect_timeout",
    "database_url_env",
    "expect",
    "runtime",
    "lint",
    "migrate",
    "backup",
    "alerts",
    "repair",
    "name",
    "invariants",
    "zzz",
    "Models",
    "",
]
SUBKEYS = [
    "ttl",
    "ttll",
    "non_empty_tables",
    "required_tables",
    "dir",
    "keep_daily",
    "lock_wait",
    "telegram_token",
    "chat_ids",
    "rules",
    "triggers",
    "name",
    "check",
    "x",
]

scalars = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.text(max_size=20),
    st.just(f"postgresql://bot:{PASSWORD}@db/app"),
    st.just(TOKEN),
    st.lists(st.one_of(st.text(max_size=10), st.integers()), max_size=3),
)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    return "[" + ", ".join(toml_value(v) for v in value) + "]"


@st.composite
def config_files(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        return draw(st.text(max_size=200))  # not TOML at all, most of the time
    lines = []
    for key in draw(st.lists(st.sampled_from(KEYS), max_size=4, unique=True)):
        if key and draw(st.booleans()):
            continue
        lines.append(f"{json.dumps(key)} = {toml_value(draw(scalars))}")
    for table in draw(st.lists(st.sampled_from(KEYS[9:18]), max_size=3, unique=True)):
        lines.append(f"[{table}]")
        for sub in draw(st.lists(st.sampled_from(SUBKEYS), max_size=3, unique=True)):
            lines.append(f"{sub} = {toml_value(draw(scalars))}")
    return "\n".join(lines) + "\n"


@FUZZ
@given(text=config_files(), command=st.sampled_from([["lint"], ["migrate", "status"], ["check"], ["status"]]))
def test_config_files(text: str, command: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "pgwarden.toml").write_text(text, encoding="utf-8")
        (folder / "migrations").mkdir()
        argv = [*command, "--db", f"postgresql://bot:{PASSWORD}@127.0.0.1:{_dead_port()}/app"]
        if command == ["lint"]:
            argv = ["lint", "migrations"]
        code, out = run(argv, folder)
        assert_sane(code, out, {0, 1, 2, 3})


# --- migration file names and contents --------------------------------------------------------

names = st.one_of(
    st.from_regex(r"[0-9]{1,4}_[a-z_]{0,12}\.sql", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9_. -]{1,16}\.sql", fullmatch=True),
)
contents = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "CREATE TABLE t (id bigint PRIMARY KEY);",
            "ALTER TABLE t ADD COLUMN c text NOT NULL DEFAULT now()::text;",
            "-- pgwarden: no-transaction\nCREATE INDEX CONCURRENTLY i ON t (id);",
            "-- pgwarden: lock-timeout=banana\nSELECT 1;",
            "DO $$ BEGIN RAISE NOTICE 'x'; END $$;",
            "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql",
            "SELECT '" + PASSWORD + "';",
        ]
    ),
)


@FUZZ
@given(files=st.lists(st.tuples(names, contents, st.booleans()), min_size=1, max_size=4))
def test_migration_files(files: list[tuple[str, str, bool]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "migrations").mkdir()
        for name, body, latin1 in files:
            data = body.encode("latin-1", "replace") if latin1 else body.encode("utf-8", "surrogatepass")
            (folder / "migrations" / name).write_bytes(data)
        code, out = run(["lint", "migrations", "--format", "json"], folder)
        assert code in (0, 1, 2), out
        assert "Traceback" not in out and "internal error" not in out


# --- log lines -----------------------------------------------------------------------------

log_lines = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=200).map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.sampled_from(
        [
            b'2026-11-22 10:00:01 UTC [1] FATAL:  password authentication failed for user "b\xf3t"',
            f"ERROR https://api.telegram.org/bot{TOKEN}/getUpdates Conflict".encode(),
            f"WARNING connecting to postgresql://bot:{PASSWORD}@db/app".encode(),
            f'{{"level": "error", "message": "token {TOKEN}"}}'.encode(),
            b"\xff\xfe\x00binary\x01",
        ]
    ),
)


@FUZZ
@given(lines=st.lists(log_lines, min_size=1, max_size=8), fmt=st.sampled_from(["text", "json"]))
def test_log_lines(lines: list[bytes], fmt: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "app.log").write_bytes(b"\n".join(lines) + b"\n")
        code, out = run(["doctor", "logs", "app.log", "--format", fmt, "--html", "r.html"], folder)
        # 2: bytes that open like gzip but are not (a damaged archive is said so, in one sentence)
        assert_sane(code, out, {0, 1, 2})
        if code == 2:
            assert out.startswith("pgwarden: ") and len(out.strip().splitlines()) == 1, out
            return
        html = (folder / "r.html").read_text(encoding="utf-8")
        assert PASSWORD not in html and SECRET_HALF not in html


# --- URLs ------------------------------------------------------------------------------------

url_parts = st.text(alphabet="abc@:/?#%[]=&.-_ 0123456789", max_size=12)


@st.composite
def urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["postgresql", "postgres", "postgresql+asyncpg", "mysql", "", "http"]))
    user = draw(st.sampled_from(["bot", "", "b@t", "u:x"]))
    middle = draw(url_parts)
    host = draw(st.sampled_from(["127.0.0.1", "[::1]", "", "127.0.0.1,127.0.0.2"]))
    port = draw(st.sampled_from(["", ":0", ":99999", ":abc", ":5432"]))
    tail = draw(url_parts)
    return f"{scheme}://{user}:{PASSWORD}{middle}@{host}{port}/{tail}"


@settings(max_examples=300, deadline=None)
@given(url=urls())
def test_urls_never_show_the_password(url: str) -> None:
    assert PASSWORD not in redact(url)
    try:
        to_libpq(url)
    except UsageError as exc:
        assert PASSWORD not in str(exc)
    assert PASSWORD not in describe(url)


@FUZZ
@given(url=urls())
@example(url=f"postgresql://bot:{PASSWORD}@./@127.0.0.1/")  # host "." once ended in exit 70 (idna)
def test_urls_on_the_command_line(url: str) -> None:
    # only refused or unparsable addresses: no DNS lookups, no real server
    url = url.replace(":5432", f":{_dead_port()}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "migrations").mkdir()
        code, out = run(["migrate", "status", "--db", url, "--migrations", "migrations"], folder)
        assert_sane(code, out, {2, 3})
