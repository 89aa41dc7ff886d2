"""Finding pg_dump/pg_restore: versions parsed, the closest major >= the server's chosen, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgwarden.backup.errors import BackupToolMissing
from pgwarden.backup.tools import ENV, find_server, find_tools, parse_version

SYSTEM15 = Path("/usr/lib/postgresql/15/bin")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pg_dump (PostgreSQL) 16.2\n", (16, "16.2")),
        ("pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n", (15, "15.18")),
        ("pg_dump (PostgreSQL) 9.6.24\n", (9, "9.6.24")),
        ("pg_dump (PostgreSQL) 17beta1\n", (17, "17")),
        ("command not found", None),
    ],
)
def test_parse_version(text: str, expected: tuple[int, str] | None) -> None:
    assert parse_version(text) == expected


def test_an_empty_folder_names_the_package_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV, str(tmp_path))
    with pytest.raises(
        BackupToolMissing, match=r"No pg_dump and pg_restore found \(looked in \$PGWARDEN_BACKUP_BINDIR"
    ) as info:
        find_tools(16)
    assert "postgresql-client-16" in str(info.value)
    assert find_server(16) is None


@pytest.mark.skipif(not (SYSTEM15 / "pg_dump").is_file(), reason="needs the system's PostgreSQL 15 client")
def test_a_client_older_than_the_server_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, str(SYSTEM15))
    assert find_tools(14).major == 15
    with pytest.raises(
        BackupToolMissing, match=r"runs PostgreSQL 16, but the newest pg_dump found is 15\."
    ) as info:
        find_tools(16, server="The database at bot@db/app")
    assert "cannot dump a server newer than itself" in str(info.value) and "postgresql-client-16" in str(
        info.value
    )
