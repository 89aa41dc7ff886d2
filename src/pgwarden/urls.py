"""Database URLs: accept SQLAlchemy spellings, hand libpq a plain one, never show a password."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from .errors import UsageError

_SCHEMES = {
    "postgresql",
    "postgres",
    "postgresql+asyncpg",
    "postgresql+psycopg",
    "postgresql+psycopg2",
    "postgresql+pg8000",
}


def to_libpq(url: str, *, what: str = "database URL") -> str:
    """Return ``url`` as a libpq connection URI, accepting SQLAlchemy driver suffixes."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        if "=" in url:  # a libpq keyword/value string: host=... dbname=...
            return url
        raise UsageError(
            f"The {what} {redact(url)!r} is not a URL; "
            "write it as postgresql://user:password@host:5432/dbname."
        )
    if scheme.lower() not in _SCHEMES:
        raise UsageError(
            f"The {what} {redact(url)!r} has scheme {scheme!r}; pgwarden speaks PostgreSQL "
            "only: use postgresql://, postgres://, postgresql+asyncpg:// or postgresql+psycopg://."
        )
    return "postgresql://" + rest


_KV_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


def redact(url: str) -> str:
    """``postgresql://bot:secret@host/db`` -> ``postgresql://bot:***@host/db``."""
    if "://" not in url:
        return _KV_PASSWORD.sub(r"\1***", url)
    try:
        parts = urlsplit(url)
    except ValueError:
        return re.sub(r"://([^:/@]*):[^@]*@", r"://\1:***@", url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        if ":" in userinfo:
            user = userinfo.split(":", 1)[0]
            netloc = f"{user}:***@{hostport}"
    query = re.sub(r"(^|&)(password=)[^&]*", r"\1\2***", parts.query, flags=re.IGNORECASE)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def describe(url: str) -> str:
    """A short, password-free name for messages: ``bot@db.example:5432/app``."""
    if "://" not in url:
        return redact(url)
    try:
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))  # libpq URIs may carry everything here (?host=…&dbname=…)
        if "service" in query and not parts.hostname:
            return f"service {query['service']}"
        user = parts.username or query.get("user", "")
        host = parts.hostname or query.get("host") or "localhost"
        port_number = parts.port or query.get("port")
        port = f":{port_number}" if port_number else ""
    except ValueError:
        return redact(url)
    db = parts.path.lstrip("/") or query.get("dbname") or user or "postgres"
    return f"{user + '@' if user else ''}{host}{port}/{db}"
