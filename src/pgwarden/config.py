"""Loading and validating configuration: ``pgwarden.toml`` or ``[tool.pgwarden]`` in ``pyproject.toml``."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import dburl
from ._alembic_env import env_file, target_metadata
from ._keys import show, strings, unknown_keys
from .errors import ConfigError
from .expectations import (  # re-exported: the declared kinds were defined here until issue 19
    Expectations,
    ExpectConstraint,
    ExpectExtension,
    ExpectFunction,
    ExpectIndex,
    ExpectSetting,
    ExpectTrigger,
    parse_expect,
)

__all__ = [
    "Config",
    "ExpectConstraint",
    "ExpectExtension",
    "ExpectFunction",
    "ExpectIndex",
    "ExpectSetting",
    "ExpectTrigger",
    "Expectations",
    "find_config",
    "load",
    "parse",
    "unknown_keys",
]

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib


@dataclass(frozen=True)
class Config:
    """Validated settings; paths are absolute (relative ones resolve against ``root``)."""

    path: Path | None = None
    """The file the settings came from, ``None`` when no file was found."""
    root: Path = field(default_factory=Path.cwd)
    database_url_env: str = "DATABASE_URL"
    direct_url_env: str = "DIRECT_URL"
    """The environment variable with a URL straight to PostgreSQL, when the usual one goes through a
    pooler (Prisma's ``directUrl`` and Supabase's convention): migrations, the lease and backups use it."""
    database_url: str | None = None
    """Only from ``--db``; the file's ``database_url`` is ``database_url_from``."""
    database_url_from: str | None = None  # the file's `database_url`, checked by dburl.parse_keys
    env_file: str = ".env"
    database_parts: tuple[Mapping[str, tuple[str, ...]], ...] | None = None  # None: DB_* and POSTGRES_*
    models: str | None = None
    models_from: Path | None = None
    """The Alembic ``env.py`` whose ``target_metadata`` gave ``models`` when the config names none."""
    python: str | None = None  # the project's interpreter, for loading `models` (contract/interpreter.py)
    migrations: Path | None = None
    snapshot: Path | None = None
    accepted: Path | None = None  # accepted drift (checks/accepted.py); None: pgwarden-accepted.json in root
    dev_url: str | None = None
    schemas: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    connect_timeout: float = 5.0
    expect: Expectations = field(default_factory=Expectations)
    sections: Mapping[str, Any] = field(default_factory=dict)
    """Raw tables owned by other capabilities (``lint``, ``migrate``, ``invariants``, …), keyed by
    name; each capability validates its own, naming ``path`` and ``prefix + key`` in errors."""
    prefix: str = ""
    """``tool.pgwarden.`` for pyproject.toml, empty for pgwarden.toml: prepend it to keys in errors."""

    @property
    def where(self) -> str:
        return str(self.path) if self.path else "pgwarden.toml (none found yet: `pgwarden init` writes one)"

    @property
    def has_schema_source(self) -> bool:
        """Whether anything says what the schema should be: models, migrations, a snapshot or ``[[expect.*]]``."""
        return bool(self.models or self.migrations or self.snapshot or self.expect)

    def table(
        self, name: str, known: Iterable[str], *, error: type[ConfigError] = ConfigError
    ) -> Mapping[str, Any]:
        """The raw ``[name]`` table another capability owns (empty when absent), its keys checked.

        Errors name the file and ``prefix + name.key``; the capability validates the values.
        """
        raw = self.sections.get(name)
        if raw is None:
            return {}
        if not isinstance(raw, Mapping):
            raise error(f"{self.where}: `{self.prefix}{name}` must be a table ([{self.prefix}{name}]).")
        unknown = [key for key in raw if key not in set(known)]
        if unknown:
            raise error(unknown_keys(self.where, f"{self.prefix}{name}.", unknown, known))
        return raw

    def db_source(self) -> dburl.Resolution:
        """Which source names the live database, in the order documented in ``dburl``."""
        return dburl.for_config(self)

    def db_url(self, *, required: bool = True) -> str | None:
        """The live database URL from the first source that has one (see ``dburl``)."""
        return dburl.url_for(self, required=required)

    def direct_db_url(self, *, required: bool = True) -> str | None:
        """The URL for work that wants a direct connection (migrations, ``run``'s lease, backups):
        ``--db`` when given, else ``direct_url_env`` from the environment or ``.env``, else ``db_url``."""
        return dburl.direct_url_for(self, required=required)

    def with_overrides(self, **flags: Any) -> Config:
        """Return a copy with command-line flags applied (``None`` means not given)."""
        changes: dict[str, Any] = {}
        for key, value in flags.items():
            if value is None:
                continue
            if key in ("migrations", "snapshot"):
                value = Path(value).expanduser().resolve()
            changes[key] = value
        if "migrations" in changes and "models" not in changes and (self.models is None or self.models_from):
            changes["models"], changes["models_from"] = env_models(changes["migrations"])
        return replace(self, **changes)


# --- loading ---------------------------------------------------------------------------

_SCALARS: dict[str, type] = {
    "database_url_env": str,
    "database_url": str,
    "env_file": str,
    "database_parts": dict,
    "direct_url_env": str,
    "models": str,
    "python": str,
    "migrations": str,
    "snapshot": str,
    "accepted": str,
    "dev_url": str,
    "schemas": list,
    "ignore": list,
    "connect_timeout": float,
    "expect": dict,
}

# Keys owned by other capabilities; accepted here so one file serves every command.
_MODELS_SPEC = re.compile(r"[A-Za-z_][\w.]*(:[A-Za-z_][\w.]*)?")
"""``module:attribute`` (SQLAlchemy, a Tortoise config) or a bare module (Tortoise, Peewee models)."""

_OTHER_SECTIONS = {
    "telegram_ids",  # checks/telegram_ids.py
    "invariants",
    "migrate",
    "lint",
    "runtime",
    "backup",
    "doctor",
    "alerts",
    "telegram",  # doctor/telegram_settings.py
    "repair",
    "name",
    "invariants_dir",
}


def find_config(start: Path) -> Path | None:
    """``pgwarden.toml``, else a ``pyproject.toml`` with ``[tool.pgwarden]``, here or in a parent."""
    for folder in (start, *start.parents):
        candidate = folder / "pgwarden.toml"
        if candidate.is_file():
            return candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            try:
                data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError):
                continue
            if isinstance(data.get("tool"), dict) and "pgwarden" in data["tool"]:
                return pyproject
    return None


def load(path: str | Path | None = None, *, cwd: Path | None = None) -> Config:
    """Load the configuration named by ``path``, or the one found from ``cwd`` upwards."""
    cwd = cwd or Path.cwd()
    if path is not None:
        file = Path(path).expanduser()
        if not file.is_absolute():
            file = cwd / file
        if not file.is_file():
            raise ConfigError(f"Config file {file} does not exist; check the --config path.")
    else:
        found = find_config(cwd)
        if found is None:
            beside = alembic_beside(cwd)
            models, models_from = env_models(beside)
            return Config(root=cwd, migrations=beside, models=models, models_from=models_from)
        file = found
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file} is not valid TOML ({exc}); fix the syntax and run again.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Cannot read config file {file}: {exc}.") from None
    if file.name == "pyproject.toml":
        tool = data.get("tool", {})
        section = tool.get("pgwarden", {}) if isinstance(tool, dict) else {}
        prefix = "tool.pgwarden."
        if not isinstance(section, dict):
            raise ConfigError(f"{file}: [tool.pgwarden] must be a table.")
    else:
        section, prefix = data, ""
    return parse(section, file=file, prefix=prefix)


def alembic_beside(root: Path) -> Path | None:
    """An ``alembic.ini`` in the project folder: the migration source when none is configured."""
    ini = root / "alembic.ini"
    return ini.resolve() if ini.is_file() else None


def env_models(migrations: Path | None) -> tuple[str | None, Path | None]:
    """``models`` from an Alembic environment's ``env.py`` (its ``target_metadata``), and that file."""
    if migrations is None:
        return None, None
    env = env_file(migrations)
    spec = target_metadata(env) if env is not None else None
    return (spec, env) if spec else (None, None)


def parse(section: Mapping[str, Any], *, file: Path, prefix: str = "") -> Config:
    """Validate one settings table; every error names ``file`` and the key."""
    root = file.parent.resolve()
    values: dict[str, Any] = {}
    others: dict[str, Any] = {}
    unknown = [key for key in section if key not in _OTHER_SECTIONS and key not in _SCALARS]
    if unknown:
        raise ConfigError(unknown_keys(str(file), prefix, unknown, [*_SCALARS, *_OTHER_SECTIONS]))
    for key, value in section.items():
        if key in _OTHER_SECTIONS:
            others[key] = value
            continue
        expected = _SCALARS[key]
        value = _check_type(value, expected, file=file, key=f"{prefix}{key}")
        values[key] = value

    cfg = Config(path=file, root=root, sections=others, prefix=prefix)
    changes: dict[str, Any] = {}
    for key in ("database_url_env", "direct_url_env", "models", "dev_url", "python"):
        if key in values:
            changes[key] = values[key]
    changes.update(dburl.parse_keys(values, file=file, prefix=prefix))
    if "models" in values and not _MODELS_SPEC.fullmatch(values["models"].strip()):
        raise ConfigError(
            f"{file}: `{prefix}models` must be `module:attribute` (e.g. `app.db:Base`), or a Tortoise or "
            f"Peewee models module (e.g. `app.models`), got {values['models']!r}."
        )
    for key in ("migrations", "snapshot", "accepted"):
        if key in values:
            changes[key] = (root / Path(values[key]).expanduser()).resolve()
    if "migrations" not in values and "snapshot" not in values:
        changes["migrations"] = alembic_beside(root)
    if "models" not in values:
        changes["models"], changes["models_from"] = env_models(changes.get("migrations"))
    for key in ("schemas", "ignore"):
        if key in values:
            changes[key] = tuple(strings(values[key], file=file, key=f"{prefix}{key}"))
    if "connect_timeout" in values:
        if values["connect_timeout"] <= 0:
            raise ConfigError(f"{file}: `{prefix}connect_timeout` must be a positive number of seconds.")
        changes["connect_timeout"] = values["connect_timeout"]
    if "expect" in values:
        changes["expect"] = parse_expect(values["expect"], file=file, prefix=f"{prefix}expect")
    return replace(cfg, **changes)


def _check_type(value: Any, expected: type, *, file: Path, key: str) -> Any:
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, expected) or (expected is not bool and isinstance(value, bool)):
        raise ConfigError(
            f"{file}: `{key}` must be {_type_name(expected)}, got {_type_name(type(value))} {show(value)}."
        )
    return value


def _type_name(t: type) -> str:
    return {
        str: "a string",
        list: "a list",
        dict: "a table",
        float: "a number",
        int: "an integer",
        bool: "true or false",
    }.get(t, t.__name__)
