"""``migrate status`` lines, ``migrate new`` numbering, the PgBouncer warning and the ``migrate`` settings."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from pgwarden.config import parse
from pgwarden.errors import ConfigError, UsageError
from pgwarden.migrate import MigrationFile, discover
from pgwarden.migrate.ledger import Applied
from pgwarden.migrate.settings import Settings, from_config
from pgwarden.migrate.status import lines, new_file
from pgwarden.pooling import classify


def file(version: int) -> MigrationFile:
    text = f"SELECT {version};\n"
    return MigrationFile(
        version,
        f"v{version}",
        Path(f"{version:03d}_v{version}.sql"),
        text,
        hashlib.sha256(text.encode()).hexdigest(),
    )


def test_status_lines_cover_every_state() -> None:
    files = [file(n) for n in (1, 2, 3, 4, 5)]

    def applied(f: MigrationFile, **kw: object) -> Applied:
        base: dict[str, object] = dict(
            version=f.version,
            name=f.name,
            checksum=f.checksum,
            applied_at=None,
            duration_ms=4,
            applied_by={"host": "web-1", "pid": 42, "app_version": "abc123"},
            success=True,
        )
        base.update(kw)
        return Applied(**base)  # type: ignore[arg-type]

    ledger = {
        1: applied(files[0]),
        2: applied(files[1], checksum="x"),
        3: applied(files[2], success=False, error="boom"),
        4: applied(files[3], success=False, statements_done=1),
        9: applied(file(9)),
    }
    got = [(line.version, line.state) for line in lines(files, ledger)]
    assert got == [
        (1, "applied"),
        (2, "edited"),
        (3, "failed"),
        (4, "partial"),
        (5, "pending"),
        (9, "missing"),
    ]
    assert lines(files, ledger)[0].applied_by == "web-1 pid 42 (abc123)"
    assert lines(files, ledger)[0].to_dict()["state"] == "applied"


def test_new_file_continues_the_numbering(tmp_path: Path) -> None:
    assert new_file(tmp_path, [], "Init").name == "001_init.sql"
    (tmp_path / "0007_x.sql").write_text("SELECT 1;\n")
    assert new_file(tmp_path, discover(tmp_path), "add jobs.chat_id!").name == "0008_add_jobs_chat_id.sql"


def test_new_file_with_timestamps(tmp_path: Path) -> None:
    (tmp_path / "20240105120000_first.sql").write_text("SELECT 1;\n")
    path = new_file(tmp_path, discover(tmp_path), "second")
    assert len(path.name.split("_", 1)[0]) == 14 and int(path.name[:14]) > 20240105120000


def test_new_file_rejects_an_empty_name(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no letters or digits"):
        new_file(tmp_path, [], "!!!")


@pytest.mark.parametrize(
    ("rounds", "mode"),
    [
        ([(10, 11, 10)] * 3, "session"),
        ([(10, 11, 10), (10, 10, 10)], "transaction"),  # the other client got our server process
        ([(10, 11, 12)], "transaction"),  # our server process changed between transactions
    ],
)
def test_pooling_is_told_by_behaviour_not_by_port(rounds: list[tuple[int, int, int]], mode: str) -> None:
    found = classify(rounds)
    assert found.mode == mode and found.session_state == (mode == "session")


def test_settings_from_config(tmp_path: Path) -> None:
    cfg = parse(
        {"migrate": {"lock_wait": 30, "lock_timeout": "2s", "retries": 5}}, file=tmp_path / "pgwarden.toml"
    )
    assert from_config(cfg) == Settings(lock_wait=30.0, lock_timeout="2s", retries=5)
    assert from_config(parse({}, file=tmp_path / "pgwarden.toml")) == Settings()


@pytest.mark.parametrize(
    ("section", "needle"),
    [
        ({"lock_wiat": 3}, "unknown key `tool.pgwarden.migrate.lock_wiat`"),
        ({"retries": "3"}, "`tool.pgwarden.migrate.retries` has the wrong type"),
        ({"lock_timeout": "soon"}, "not a duration"),
        ({"lock_wait": -1}, "must not be negative"),
        ({"retries": True}, "wrong type"),
    ],
)
def test_bad_settings_name_the_file_and_key(tmp_path: Path, section: dict[str, object], needle: str) -> None:
    cfg = parse({"migrate": section}, file=tmp_path / "pyproject.toml", prefix="tool.pgwarden.")
    with pytest.raises(ConfigError, match="pyproject.toml") as info:
        from_config(cfg)
    assert needle in str(info.value)
