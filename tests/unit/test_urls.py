"""URLs: SQLAlchemy spellings accepted, passwords never shown."""

from __future__ import annotations

import pytest

from pgwarden.errors import UsageError
from pgwarden.urls import describe, redact, to_libpq


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://bot:s3cret@db:5432/app",
        "postgres://bot:s3cret@db:5432/app",
        "postgresql+asyncpg://bot:s3cret@db:5432/app",
        "postgresql+psycopg://bot:s3cret@db:5432/app",
    ],
)
def test_accepted_schemes(url: str) -> None:
    assert to_libpq(url) == "postgresql://bot:s3cret@db:5432/app"
    assert "s3cret" not in redact(url)
    assert "bot:***@db" in redact(url)
    assert describe(url) == "bot@db:5432/app"


def test_rejects_other_databases() -> None:
    with pytest.raises(UsageError, match="mysql") as err:
        to_libpq("mysql://root:hunter2@db/app")
    assert "hunter2" not in str(err.value)


def test_password_in_query_and_keyword_form() -> None:
    assert "pw" not in redact("postgresql://db/app?user=bot&password=pw&sslmode=require")
    assert "pw" not in redact("host=db user=bot password=pw dbname=app")
    assert "s p" not in redact("host=db password='s p' dbname=app")


def test_not_a_url() -> None:
    with pytest.raises(UsageError, match="not a URL"):
        to_libpq("just-a-name")
