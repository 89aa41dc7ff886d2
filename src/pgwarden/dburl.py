"""Where the live database URL comes from: one documented order, first match wins.

====  =======================================================================
 1    ``--db URL`` on the command line
 2    ``database_url`` in the config: ``module:attribute.path`` of a settings
      object (a ``str``, pydantic ``SecretStr``/``PostgresDsn``, SQLAlchemy
      ``URL``), or a URL without a password
 3    the environment variable named by ``database_url_env`` (``DATABASE_URL``)
 4    the same variable in the ``.env`` file next to the config (``env_file``)
 5    parts: ``DB_HOST``/``DB_PORT``/``DB_USER``/``DB_PASS``/``DB_NAME`` or
      ``POSTGRES_HOST``/…/``POSTGRES_DB`` (names set by ``database_parts``),
      from the environment, else from the ``.env`` file
 6    libpq's own ``PGHOST``/``PGDATABASE``/``PGUSER``/``PGPORT``/``PGSERVICE``;
      libpq itself then adds ``PGPASSWORD``, ``~/.pgpass`` and the service file
====  =======================================================================

:func:`resolve` is pure: the ``.env`` file's variables and the settings loader are
handed in (``_projectio`` reads the file, never executing it, and imports the module).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, urlencode

from ._projectio import from_settings, read_env_file
from .errors import ConfigError, UsageError
from .urls import describe, redact, to_libpq


class ConfigKeys(Protocol):
    """What this module reads of a loaded ``Config`` (config imports dburl, never the reverse)."""

    # read-only: Config is a frozen dataclass
    @property
    def root(self) -> Path: ...
    @property
    def database_url(self) -> str | None: ...
    @property
    def database_url_env(self) -> str: ...
    @property
    def database_url_from(self) -> str | None: ...
    @property
    def env_file(self) -> str: ...
    @property
    def direct_url_env(self) -> str: ...
    @property
    def database_parts(self) -> tuple[Mapping[str, tuple[str, ...]], ...] | None: ...
    @property
    def where(self) -> str: ...


__all__ = [
    "DEFAULT_PARTS",
    "check_parts",
    "check_setting",
    "direct_for_config",
    "direct_url_for",
    "for_config",
    "parse_keys",
    "url_for",
    "PART_KEYS",
    "Resolution",
    "from_libpq",
    "from_parts",
    "resolve",
]

PART_KEYS = ("host", "port", "user", "password", "dbname")

# Each group: the variable names tried for each part, in order. A group counts only when it
# names a host or a database: a lone POSTGRES_PASSWORD (the postgres image's) is not a URL.
DEFAULT_PARTS: tuple[Mapping[str, tuple[str, ...]], ...] = (
    {
        "host": ("DB_HOST",),
        "port": ("DB_PORT",),
        "user": ("DB_USER", "DB_USERNAME"),
        "password": ("DB_PASS", "DB_PASSWORD"),
        "dbname": ("DB_NAME", "DB_DATABASE"),
    },
    {
        "host": ("POSTGRES_HOST",),
        "port": ("POSTGRES_PORT",),
        "user": ("POSTGRES_USER",),
        "password": ("POSTGRES_PASSWORD",),
        "dbname": ("POSTGRES_DB", "POSTGRES_NAME"),
    },
)

_LIBPQ_VARS = (
    ("host", "PGHOST"),
    ("hostaddr", "PGHOSTADDR"),
    ("port", "PGPORT"),
    ("dbname", "PGDATABASE"),
    ("user", "PGUSER"),
)


@dataclass(frozen=True)
class Resolution:
    """The URL that won, the source it came from, and what lost to it."""

    url: str | None
    source: str | None
    """Where ``url`` came from, as a person reads it (``.env file /app/.env: DB_* parts``)."""
    notes: tuple[str, ...] = ()
    """Other sources that name a different database, each saying which one won."""

    def summary(self) -> str:
        if self.url is None:
            return "No database URL found in any source."
        return f"Database {describe(self.url)} from {self.source}."


def resolve(
    *,
    flag: str | None,
    settings: str | None,
    load_settings: Callable[[str, Path, Mapping[str, str] | None], str],
    env_name: str,
    environ: Mapping[str, str],
    env_file: Mapping[str, str] | None,
    env_file_name: str,
    parts: Sequence[Mapping[str, tuple[str, ...]]] = DEFAULT_PARTS,
    root: Path,
    config_where: str,
) -> Resolution:
    """Walk the order in the module docstring; the first source with a URL wins.

    ``settings`` is the config's ``database_url``; ``env_file`` the parsed ``.env``
    (``None`` when there is none). The settings module is imported only when no
    ``--db`` was given.
    """
    if flag:
        return Resolution(flag, "--db")
    found: list[tuple[str, str]] = []
    if settings:
        if "://" in settings or "=" in settings.partition(":")[0]:
            found.append((settings, f"`database_url` in {config_where}"))
        else:
            found.append((load_settings(settings, root, env_file), f"settings object {settings}"))
    if environ.get(env_name):
        found.append((environ[env_name], f"environment variable {env_name}"))
    if env_file is not None and env_file.get(env_name):
        found.append((env_file[env_name], f"{env_file_name}: {env_name}"))
    for group in parts:
        url = from_parts(environ, group)
        if url is not None:
            found.append((url, f"environment variables {_group_names(group)}"))
        elif env_file is not None:
            url = from_parts({**env_file, **environ}, group)
            if url is not None:
                found.append((url, f"{env_file_name}: {_group_names(group)}"))
    libpq = from_libpq(environ)
    if libpq is not None:
        found.append((libpq, "libpq environment (PG* variables, ~/.pgpass, service file)"))
    if not found:
        return Resolution(None, None)
    url, source = found[0]
    notes = tuple(
        f"Ignored {other_source} ({describe(other)}): {source} ({describe(url)}) comes first and wins."
        for other, other_source in found[1:]
        if _target(other) != _target(url)
    )
    return Resolution(url, source, notes)


def _group_names(group: Mapping[str, tuple[str, ...]]) -> str:
    first = group.get("host", ()) or group.get("dbname", ())
    prefix = first[0].rsplit("_", 1)[0] + "_*" if first and "_" in first[0] else "/".join(first)
    return prefix


def _target(url: str) -> str:
    """What a URL points at, ignoring spelling (scheme suffix, password)."""
    try:
        return describe(to_libpq(url))
    except ConfigError:
        return redact(url)
    except Exception:  # noqa: BLE001 - a malformed URL is reported where it is used
        return redact(url)


def from_parts(values: Mapping[str, str], group: Mapping[str, tuple[str, ...]]) -> str | None:
    """A URL built from one group of part variables, or ``None`` when it names no host or database."""
    got: dict[str, str] = {}
    for key in PART_KEYS:
        for name in group.get(key, ()):
            value = values.get(name)
            if value:
                got[key] = value
                break
    if "host" not in got and "dbname" not in got:
        return None
    host = got.get("host", "")
    query: dict[str, str] = {}
    if host.startswith("/"):  # a socket folder cannot go in the authority part
        query["host"], host = host, ""
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    userinfo = ""
    if "user" in got:
        userinfo = quote(got["user"], safe="")
        if "password" in got:
            userinfo += ":" + quote(got["password"], safe="")
        userinfo += "@"
    port = f":{got['port']}" if "port" in got and host else ""
    if "port" in got and not host:
        query["port"] = got["port"]
    path = "/" + quote(got["dbname"], safe="") if "dbname" in got else ""
    tail = f"?{urlencode(query)}" if query else ""
    return f"postgresql://{userinfo}{host}{port}{path}{tail}"


def from_libpq(environ: Mapping[str, str]) -> str | None:
    """A URL that leaves libpq to read its own variables, or ``None`` when none is set.

    With ``PGSERVICE`` only the service is named, so the service file keeps its precedence
    over the other variables, as in libpq. Otherwise the variables are spelled out (libpq
    would read them anyway) so messages can name host and database. The password is never
    copied: libpq reads ``PGPASSWORD`` or ``~/.pgpass`` itself.
    """
    if environ.get("PGSERVICE"):
        return "postgresql://?" + urlencode({"service": environ["PGSERVICE"]})
    query = {key: environ[var] for key, var in _LIBPQ_VARS if environ.get(var)}
    if not query:
        return None
    return "postgresql://?" + urlencode(query)


# --- config keys: checked when the config is loaded ------------------------------------


def parse_keys(values: Mapping[str, Any], *, file: Path, prefix: str) -> dict[str, Any]:
    """The Config fields the keys ``database_url``, ``env_file`` and ``database_parts`` set."""
    changes: dict[str, Any] = {}
    if "database_url" in values:
        changes["database_url_from"] = check_setting(
            values["database_url"], file=file, key=f"{prefix}database_url"
        )
    if "env_file" in values:
        changes["env_file"] = values["env_file"]
    if "database_parts" in values:
        changes["database_parts"] = (
            check_parts(values["database_parts"], file=file, key=f"{prefix}database_parts"),
        )
    return changes


def for_config(cfg: ConfigKeys) -> Resolution:
    """:func:`resolve` with a loaded config's keys and this process's environment."""
    env_path = (cfg.root / cfg.env_file) if cfg.env_file else None
    env_values: dict[str, str] | None = None
    unread: tuple[str, ...] = ()
    if env_path and not cfg.database_url:
        try:
            env_values = read_env_file(env_path)
        except ConfigError as exc:
            # A .env the winning source does not need must not stop a service that has its URL.
            if not (os.environ.get(cfg.database_url_env) or cfg.database_url_from):
                raise
            unread = (f"Skipped {env_path}: {exc}",)
    found = resolve(
        flag=cfg.database_url,
        settings=cfg.database_url_from,
        load_settings=from_settings,
        env_name=cfg.database_url_env,
        environ=os.environ,
        env_file=env_values,
        env_file_name=str(env_path),
        parts=cfg.database_parts if cfg.database_parts is not None else DEFAULT_PARTS,
        root=cfg.root,
        config_where=cfg.where,
    )
    if found.url is None and env_values:
        unread += _empty_parts(
            env_values, cfg.database_url_env, cfg.database_parts or DEFAULT_PARTS, env_path
        )
    return Resolution(found.url, found.source, found.notes + unread) if unread else found


def _empty_parts(
    values: Mapping[str, str],
    env_name: str,
    parts: Sequence[Mapping[str, tuple[str, ...]]],
    path: Path | None,
) -> tuple[str, ...]:
    """A note for a ``.env`` that names the database variables but leaves them empty (a template)."""
    names = [env_name, *(n for group in parts for key in ("host", "dbname") for n in group.get(key, ()))]
    empty = [n for n in names if n in values and not values[n].strip()]
    if not empty:
        return ()
    return (f"{path} sets {', '.join(empty)} to an empty value; fill them in.",)


def direct_for_config(cfg: ConfigKeys) -> Resolution | None:
    """The direct URL (past a pooler) when one is set apart: ``None`` means use the live URL.

    ``--db`` wins over it; then the variable ``direct_url_env`` (``DIRECT_URL``) from the
    environment, then from the ``.env`` file, as for the live URL. Migrations, ``run``'s lease
    and backups connect with it.
    """
    if cfg.database_url:
        return None
    name = cfg.direct_url_env
    if os.environ.get(name):
        return Resolution(os.environ[name], f"environment variable {name}")
    if cfg.env_file:
        path = cfg.root / cfg.env_file
        try:
            values = read_env_file(path)
        except ConfigError:  # the live URL's resolution reports a broken .env, where it matters
            values = None
        if values and values.get(name):
            return Resolution(values[name], f"{path}: {name}")
    return None


def direct_url_for(cfg: ConfigKeys, *, required: bool) -> str | None:
    """The direct URL where one is set (:func:`direct_for_config`), else the live database URL."""
    found = direct_for_config(cfg)
    return found.url if found is not None else url_for(cfg, required=required)


_SAID: set[str] = set()


def url_for(cfg: ConfigKeys, *, required: bool) -> str | None:
    """The winning URL; conflicts go to stderr (through logging), a missing URL is a UsageError."""
    found = for_config(cfg)
    for note in found.notes:
        if note not in _SAID:  # a command asks for its URL more than once: say each note once
            _SAID.add(note)
            logging.getLogger("pgwarden").warning("pgwarden: %s", note)
    if not found.url and required:
        raise UsageError(
            f"No database to check: pass --db URL or set the environment variable {cfg.database_url_env}; "
            f"pgwarden also finds it in {cfg.env_file or '.env'} next to the config, in DB_*/POSTGRES_* parts, "
            f"libpq's PG* variables, or your settings object named by `database_url` in {cfg.where} "
            "(docs/database-url.md)."
        )
    return found.url


def check_setting(value: str, *, file: Path, key: str) -> str:
    """A settings object's ``module:attr``, or a URL that holds no password (the file is shared)."""
    if "://" in value or "=" in value:
        if redact(value) != value:
            raise ConfigError(
                f"{file}: `{key}` holds a password; keep it out of the config: set DATABASE_URL, put "
                "it in .env, or point `database_url` at your settings object (`bot.config:settings.db_url`)."
            )
        return value
    if ":" not in value:
        raise ConfigError(
            f"{file}: `{key}` must be `module:attribute` of your settings object "
            f"(e.g. `bot.config:settings.db_url`), got {value!r}."
        )
    return value


def check_parts(value: dict[str, Any], *, file: Path, key: str) -> dict[str, tuple[str, ...]]:
    """``{host = "DB_HOST", password = "DB_PASS", ...}``: which variable holds which part."""
    out: dict[str, tuple[str, ...]] = {}
    for part, name in value.items():
        if part not in PART_KEYS:
            raise ConfigError(f"{file}: unknown key `{key}.{part}`; known: {', '.join(PART_KEYS)}.")
        if not isinstance(name, str) or not name:
            raise ConfigError(f"{file}: `{key}.{part}` must be the name of an environment variable.")
        out[part] = (name,)
    if "host" not in out and "dbname" not in out:
        raise ConfigError(f"{file}: `{key}` needs at least `host` or `dbname`.")
    return out
