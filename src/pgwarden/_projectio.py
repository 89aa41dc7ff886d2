"""Reading what a project keeps its database URL in: the ``.env`` file and a settings object.

The ``.env`` file is parsed with python-dotenv's parser and never executed or sourced
by a shell: it is data, and running it would run whatever a ``$(...)`` in it says.
The settings module is imported as the service imports it, with whatever it prints
sent to stderr so pgwarden's own output (JSON, SARIF) stays parseable.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
import sys
import traceback
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .urls import redact

__all__ = ["from_settings", "import_root", "read_env_file"]


def import_root(root: Path, module_name: str) -> Path:
    """The folder to put first on the path so ``module_name`` imports as the project imports it.

    ``root`` itself, or ``root/src`` when the top package lives there and not in ``root``: the
    src layout, and bots run as ``python src/main.py`` whose modules say ``import core``.
    ``pgwarden init`` names modules that way too.
    """
    top = module_name.partition(".")[0]
    src = root / "src"
    if not _holds(root, top) and _holds(src, top):
        return src
    return root


def _holds(folder: Path, top: str) -> bool:
    return (folder / f"{top}.py").is_file() or (folder / top).is_dir()


def read_env_file(path: Path) -> dict[str, str] | None:
    """The variables in a ``.env`` file (``None`` when it does not exist); a syntax error is a ConfigError."""
    if not path.is_file():
        return None
    from dotenv.parser import parse_stream  # only projects with a .env pay for the import

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Cannot read {path}: {exc}; fix its permissions or encoding.") from None
    values: dict[str, str] = {}
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:
            line = binding.original.line
            raise ConfigError(
                f"{path}:{line}: not a KEY=value line; fix the syntax (quote values with spaces or #)."
            )
        if binding.key is not None and binding.value is not None:
            values[binding.key] = binding.value
    return values


@contextlib.contextmanager
def _project_import(root: Path, env_file: Mapping[str, str] | None, module: str) -> Iterator[None]:
    """``root`` first on the path, no bytecode written, the module's print() sent to stderr.

    The ``.env`` variables the environment lacks are set while the module imports, as
    systemd's ``EnvironmentFile=`` or compose's ``env_file:`` set them for the running bot,
    and removed afterwards.
    """
    entry = str(import_root(root, module))
    sys.path.insert(0, entry)
    importlib.invalidate_caches()
    dont_write, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    added = [k for k in (env_file or {}) if k not in os.environ]
    for key in added:
        os.environ[key] = (env_file or {})[key]
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        for key in added:
            os.environ.pop(key, None)
        sys.dont_write_bytecode = dont_write
        if entry in sys.path:
            sys.path.remove(entry)


def from_settings(spec: str, root: Path, env_file: Mapping[str, str] | None = None) -> str:
    """The URL a project's settings object holds at ``module:attr.path`` (``.env`` values visible)."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise ConfigError(
            f"`database_url` = {spec!r} must be `module:attribute` (e.g. `bot.config:settings.db_url`)."
        )
    with _project_import(root, env_file, module_name):
        try:
            obj: Any = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and (exc.name == module_name or module_name.startswith(exc.name + ".")):
                raise ConfigError(
                    f"`database_url` names module `{module_name}`, which is not in {root} or on the "
                    "Python path; fix the module name or run pgwarden from the project folder."
                ) from None
            raise ConfigError(_import_failed(module_name, exc)) from None
        except (Exception, SystemExit) as exc:  # whatever the settings module raises on import
            raise ConfigError(_import_failed(module_name, exc)) from None
        for i, part in enumerate(attr.split(".")):
            try:
                obj = getattr(obj, part)
            except AttributeError:
                raise ConfigError(
                    f"`database_url`: `{module_name}:{'.'.join(attr.split('.')[: i + 1])}` does not exist; "
                    "fix the attribute path."
                ) from None
            except Exception as exc:  # noqa: BLE001 - a property that raises (a missing variable)
                raise ConfigError(
                    f"`database_url`: reading `{part}` of `{module_name}` raised {type(exc).__name__}: "
                    f"{_first_line(exc)}; set what the settings object needs, or pass --db."
                ) from None
    return _as_url(obj, spec)


def _as_url(value: Any, spec: str) -> str:
    if hasattr(value, "get_secret_value"):  # pydantic SecretStr
        value = value.get_secret_value()
    if hasattr(value, "render_as_string"):  # SQLAlchemy URL: str() would hide the password
        value = value.render_as_string(hide_password=False)
    if value is None or value == "":
        raise ConfigError(
            f"`database_url`: `{spec}` is empty; set the variables the settings object reads, or pass --db."
        )
    text = value if isinstance(value, str) else str(value)  # pydantic's PostgresDsn prints as the URL
    if "://" not in text:
        raise ConfigError(
            f"`database_url`: `{spec}` is a {type(value).__name__}, not a URL; point at the URL string."
        )
    unset = _unset_parts(text)
    if unset:
        raise ConfigError(
            f"`database_url`: `{spec}` has the text None as its {', '.join(unset)}: the environment "
            "variables the settings module reads are not set; set them (or put them in .env), or pass --db."
        )
    return text


def _unset_parts(url: str) -> list[str]:
    """Parts of a URL built with ``f"{os.getenv('DB_HOST')}"`` from variables that were not set."""
    from urllib.parse import urlsplit

    try:
        split = urlsplit(url)
        hostport = split.netloc.rpartition("@")[2]
        port = hostport.rpartition(":")[2] if ":" in hostport else ""
        found = {
            "user": split.username,
            "password": split.password,
            "host": split.hostname,
            "port": port,
            "database": split.path.lstrip("/"),
        }
    except ValueError:
        return []
    return [part for part, value in found.items() if value in ("None", "none")]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return redact(text.splitlines()[0]) if text else "(no message)"


def _import_failed(module_name: str, exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    return (
        f"Importing settings module `{module_name}` for `database_url` raised {type(exc).__name__}: "
        f"{_first_line(exc)}{where}; fix the module (or set the variables it needs), or pass --db."
    )
