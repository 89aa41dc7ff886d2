"""Database URLs: accept SQLAlchemy spellings, hand libpq a plain one, never show a password."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

from .errors import UsageError
from .redact import redact as redact_text
from .redact import register_secret

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
    if sep:
        _register_password(rest)  # first: every message below may quote the URL
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
    _check_shape(url, rest, what)
    return "postgresql://" + rest


_RESERVED_HINT = "percent-encode it (@ as %40, : as %3A, / as %2F, # as %23, ? as %3F, % as %25)"


def _check_shape(url: str, rest: str, what: str) -> None:
    """Catch what libpq would misread as another host or port: an unencoded character, a bad port."""
    cut = min((i for i in (rest.find(m) for m in "/?#") if i >= 0), default=len(rest))
    netloc, after = rest[:cut], rest[cut:]
    if netloc.count("@") > 1:
        raise UsageError(
            f"The {what} {redact(url)!r} has more than one '@' before the host: the password (or user "
            f"name) contains an unencoded '@'; {_RESERVED_HINT}."
        )
    hostport = netloc.rpartition("@")[2]
    ports = [_port_of(host) for host in hostport.split(",")]
    if "@" in after and (("@" not in netloc and ":" in netloc) or any(p and not p.isdigit() for p in ports)):
        raise UsageError(
            f"The {what} {redact(url)!r} has an '@' after the host: the password probably contains an "
            f"unencoded '/', '?' or '#'; {_RESERVED_HINT}."
        )
    for port in ports:
        if port and not (port.isdigit() and 1 <= int(port) <= 65535):
            # quoted only when it is digits: anything else may be a misplaced piece of the password
            shown = f"port {port}" if port.isdigit() else "a port that is not a number"
            raise UsageError(
                f"The {what} {redact(url)!r} has {shown}: a port is a number from 1 to 65535; "
                "fix the port in the URL."
            )


def _port_of(host: str) -> str:
    if host.startswith("["):  # [IPv6]:port
        return host.partition("]")[2].removeprefix(":")
    return host.rpartition(":")[2] if ":" in host else ""


def _register_password(rest: str) -> None:
    """The password of a URL pgwarden was given is hidden wherever it turns up later."""
    userinfo, at, _ = rest.rpartition("@")
    if at and ":" in userinfo:
        secret = userinfo.split(":", 1)[1]
        register_secret(secret)
        register_secret(unquote(secret))


_KV_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


def redact(url: str) -> str:
    """``postgresql://bot:secret@host/db`` -> ``postgresql://bot:***@host/db``."""
    return redact_text(_redact_url(url))


def _redact_url(url: str) -> str:
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
    """A short, password-free name for messages: ``bot@db.example:5432/app``.

    A unix-socket folder and a port are kept (``bot@/var/run/postgresql:5433/app``): two
    clusters on one host differ only there. No host at all is libpq's default socket.
    """
    if "://" not in url:
        return _describe_keywords(url)
    try:
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))  # libpq URIs may carry everything here (?host=…&dbname=…)
        if "service" in query and not parts.hostname:
            return f"service {query['service']}"
        user = parts.username or query.get("user", "")
        host = _netloc_host(parts.netloc) or query.get("host") or "(local socket)"
        port_number = parts.port or query.get("port")
        port = f":{port_number}" if port_number else ""
    except ValueError:
        return redact(url)
    db = parts.path.lstrip("/") or query.get("dbname") or user or "postgres"
    return redact_text(f"{user + '@' if user else ''}{host}{port}/{db}")


def _netloc_host(netloc: str) -> str:
    """The host as written (not lower-cased), percent-decoded: a socket folder may be spelled ``%2Ftmp``."""
    hostport = netloc.rpartition("@")[2]
    if hostport.startswith("["):
        return hostport.partition("]")[0] + "]"
    return unquote(hostport.rpartition(":")[0] if ":" in hostport else hostport)


def _describe_keywords(dsn: str) -> str:
    """``host=/var/run/postgresql port=5433 dbname=app user=bot`` -> ``bot@/var/run/postgresql:5433/app``."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        params = conninfo_to_dict(dsn)
    except Exception:  # noqa: BLE001 - psycopg raises ProgrammingError for a malformed string
        return redact(dsn)
    if "service" in params and "host" not in params:
        return f"service {params['service']}"
    user = str(params.get("user", ""))
    host = str(params.get("host") or params.get("hostaddr") or "(local socket)")
    port = f":{params['port']}" if params.get("port") else ""
    db = str(params.get("dbname") or user or "postgres")
    return redact_text(f"{user + '@' if user else ''}{host}{port}/{db}")


def with_dbname(url: str, dbname: str) -> str:
    """``url`` pointing at another database, keeping host, port and query (a socket folder)."""
    parts = urlsplit(to_libpq(url))
    return urlunsplit((parts.scheme, parts.netloc, "/" + dbname, parts.query, parts.fragment))


def dbname_of(url: str) -> str:
    """The database a URL names (``postgresql://u@/app?host=/run/pg`` -> ``app``)."""
    return urlsplit(url).path.lstrip("/")
