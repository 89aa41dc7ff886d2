"""Exit codes exactly per DESIGN.md, over every command: one table of bad inputs.

Each row runs one command line; the exit code must match, the error must be one sentence on
one line, and neither output may carry the planted password or bot token.
"""

from __future__ import annotations

import io
import socket
from pathlib import Path

import pytest

from pgwarden.cli import main

PASSWORD = "Planted-Pw-4417"
TOKEN = "987654321:AAPlantedTokenPlantedTokenPlanted00"


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# (argv with {db} = a live database URL carrying the planted password, {dead} = a refused port;
#  expected exit code; a word the message must contain)
CASES: list[tuple[str, int, str]] = [
    ("check --db postgresql://u:{pw}@127.0.0.1:99999/app --migrations migrations", 2, "port"),
    ("check --db postgresql://u:{pw}@127.0.0.1:abc/app --migrations migrations", 2, "port"),
    ("check --db postgresql://u:p@ss{pw}@127.0.0.1:5432/app --migrations migrations", 2, "unencoded"),
    ("check --db mysql://u:{pw}@127.0.0.1/app --migrations migrations", 2, "scheme"),
    ("check --db {dead} --migrations migrations", 3, "refused"),
    ("check --migrations migrations", 2, "DATABASE_URL"),
    ("check --db {db}", 2, "Nothing to check"),
    ("--config nope.toml check --db {db}", 2, "does not exist"),
    ("frobnicate", 2, "No such command"),
    ("diff --from nonsense:xyz --to {db}", 2, "nonsense"),
    ("snapshot --db {db} -o app.log/schema.json", 2, "app.log"),
    ("lint missing.sql", 2, "missing.sql"),
    ("lint --against {dead} migrations", 3, "refused"),
    ("migrate status --db {db} --migrations nope", 2, "nope"),
    ("migrate up --db {db} --migrations migrations --to 999", 2, "999"),
    ("migrate up --db {db} --migrations unversioned", 2, "version"),
    ("migrate status --db {dead} --migrations migrations", 3, "refused"),
    ("doctor logs nope.log", 2, "nope.log"),
    ("doctor logs --journal pgwarden-no-such-unit.service", 2, "pgwarden-no-such-unit"),
    ("doctor logs --since yesterday-ish app.log", 2, "yesterday-ish"),
    ("doctor env --db {dead}", 3, "refused"),
    ("status --db {dead}", 3, "refused"),
    ("repair no-such-invariant --db {db}", 2, "no-such-invariant"),
    ("backup list --dir missing-backups", 2, "missing-backups"),
    ("backup restore --to {db} --dir missing-backups --yes", 2, "missing-backups"),
    ("backup create --db {dead} --dir backups", 3, "refused"),
    ("run --db {db}", 2, "COMMAND"),
    ("run --db {db} --ttl 0 -- true", 2, "ttl"),
    ("status --db {db} --ttl -1", 2, "--ttl"),
    ("--config bad.toml check --db {db}", 2, "not valid TOML"),
    ("--config binary.toml check --db {db}", 2, "binary.toml"),
    ("check --db postgresql://u:{pw}@127.0.0.1:0/app --migrations migrations", 2, "port 0"),
    ("check --db postgres://u:pa/ss{pw}@127.0.0.1:5432/app --migrations migrations", 2, "unencoded"),
    ("lint --rule no-such-rule migrations", 2, "no-such-rule"),
    ("check --db {db} --format xml", 2, "xml"),
    ("doctor logs - -", 2, "only once"),
    ("health --url http://127.0.0.1:1", 3, "nothing answered"),
]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "001_init.sql").write_text("CREATE TABLE users (id bigint PRIMARY KEY);\n")
    (tmp_path / "unversioned").mkdir()
    (tmp_path / "unversioned" / "init.sql").write_text("CREATE TABLE t (id int);\n")
    (tmp_path / "backups").mkdir()
    (tmp_path / "bad.toml").write_text("x = [\n")
    (tmp_path / "binary.toml").write_bytes(b"\xff\xfe")
    (tmp_path / "app.log").write_text(f"ERROR calling https://api.telegram.org/bot{TOKEN}/getUpdates\n")
    return tmp_path


@pytest.mark.parametrize(("argv", "expected", "needle"), CASES, ids=[c[0][:60] for c in CASES])
def test_exit_code(project: Path, db_url: str, argv: str, expected: int, needle: str) -> None:
    head, _, rest = db_url.partition("://")
    user, _, hostpart = rest.partition("@")
    db = f"{head}://{user}:{PASSWORD}@{hostpart}"
    dead = f"postgresql://bot:{PASSWORD}@127.0.0.1:{_dead_port()}/app"
    args = argv.format(db=db, dead=dead, pw=PASSWORD).split()
    out, err = io.StringIO(), io.StringIO()
    code = main(args, out, err)
    text = err.getvalue()
    assert code == expected, f"{argv}: exit {code}, stderr: {text}"
    assert "Traceback" not in text and "internal error" not in text
    last = text.strip().splitlines()[-1]
    assert needle in last, text
    if "Usage:" not in text:  # click's own usage errors carry the usage line above
        assert last.startswith("pgwarden: "), text
    assert PASSWORD not in out.getvalue() + text
    assert TOKEN.split(":")[1] not in out.getvalue() + text
