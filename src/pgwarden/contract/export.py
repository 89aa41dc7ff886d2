"""Run the models exporter in the project's interpreter and read back its description, cached.

The exporter (``_export_models.py``) runs as a separate process with the
project's own Python, so the models load with the project's own ORM
(SQLAlchemy, Tortoise, Peewee or Django) and packages. Its answer is cached under the user's cache folder, keyed by the
interpreter, the models setting and the content of every project source file
the import loaded: a warm run starts no second interpreter.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._projectio import import_root
from ..errors import SourceError
from ..paths import cache_dir
from .interpreter import Interpreter

__all__ = ["Export", "cache_dir", "export_models"]

EXPORTER = Path(__file__).with_name("_export_models.py")
FORMAT = 2
TIMEOUT = 120.0
"""Seconds the import may take; a module that connects to a database at import time can hang."""


@dataclass(frozen=True)
class Export:
    """What the exporter handed back: DDL in create order, the schemas it needs, facts per column."""

    orm: str
    """The ORM and its version in the project's environment: ``SQLAlchemy 2.0.36``, ``Tortoise ORM 1.1.9``."""
    ddl: tuple[tuple[str, str], ...]
    """(what, statement): ``("table public.users", "CREATE TABLE ...")``."""
    schemas: tuple[str, ...]
    columns: tuple[dict[str, Any], ...]
    files: tuple[str, ...]


def export_models(
    spec: str, root: Path, interpreter: Interpreter, *, timeout: float = TIMEOUT, use_cache: bool = True
) -> Export:
    """The description of the models at ``spec``, from the cache when no source file changed."""
    cache_file = cache_dir() / "models" / (_key(spec, root, interpreter) + ".json")
    if use_cache:
        cached = _read_cache(cache_file)
        if cached is not None:
            return _parse(cached, spec, interpreter)
    raw = _run(spec, root, interpreter, timeout)
    result = _parse(raw, spec, interpreter)
    if use_cache:
        _write_cache(cache_file, raw, result.files)
    return result


def _key(spec: str, root: Path, interpreter: Interpreter) -> str:
    # The exporter loads its per-ORM helpers by path: any of them changing changes the export.
    exporter = hashlib.sha256()
    for helper in sorted(EXPORTER.parent.glob("_export_*.py")):
        exporter.update(helper.read_bytes())
    text = "\0".join([str(root.resolve()), spec, str(interpreter.path.absolute()), exporter.hexdigest()])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _digest(path: str) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def _read_cache(cache_file: Path) -> dict[str, Any] | None:
    try:
        entry = json.loads(cache_file.read_text(encoding="utf-8"))
        files: dict[str, str] = entry["files"]
        raw: dict[str, Any] = entry["export"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not files or any(_digest(path) != digest for path, digest in files.items()):
        return None
    return raw


def _write_cache(cache_file: Path, raw: dict[str, Any], files: tuple[str, ...]) -> None:
    digests = {path: _digest(path) for path in files}
    if not digests or None in digests.values():
        return  # nothing to key on: run the exporter every time
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        temp = cache_file.with_suffix(f".{os.getpid()}.tmp")
        temp.write_text(json.dumps({"files": digests, "export": raw}), encoding="utf-8")
        temp.replace(cache_file)
    except OSError:
        pass  # a read-only home: the cache is an optimisation only


def _run(spec: str, root: Path, interpreter: Interpreter, timeout: float) -> dict[str, Any]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    who = f"{interpreter.path} (found by {interpreter.found_by})"
    module = spec.partition(":")[0]
    with tempfile.TemporaryDirectory(prefix="pgwarden-export-") as folder:
        output = Path(folder) / "models.json"
        try:
            done = subprocess.run(
                # A src layout keeps the package in root/src: that folder goes first on the path.
                [
                    str(interpreter.path),
                    "-B",
                    str(EXPORTER),
                    str(import_root(root, module)),
                    spec,
                    str(output),
                ],
                cwd=root,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise SourceError(
                f"Loading models `{spec}` with {who} did not finish within {timeout:g} s; something "
                "the models' modules do at import time waits (a database connection, a prompt): make "
                "the import side-effect free."
            ) from None
        except OSError as exc:
            raise SourceError(
                f"Cannot run the project interpreter {who}: {exc.strerror or exc}; set `python` to the "
                "interpreter of the environment your service runs in."
            ) from None
        try:
            raw = json.loads(output.read_text(encoding="utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            stderr = done.stderr.decode("utf-8", "replace").strip().splitlines()
            last = stderr[-1] if stderr else f"exit status {done.returncode}, no output"
            raise SourceError(
                f"Loading models `{spec}` with {who} gave no description ({last}); check that this "
                "interpreter runs (it needs Python 3.7 or later) or set `python` to another one."
            ) from None
    if not isinstance(raw, dict):
        raise SourceError(f"Loading models `{spec}` with {who} gave an answer pgwarden cannot read.")
    return raw


_ADVICE = {
    "no_sqlalchemy": "install your project's dependencies in that environment or set `python` to the "
    "interpreter that has them",
    "too_old": "pgwarden reads models from SQLAlchemy 1.3, Tortoise ORM 0.17 and Peewee 3.0 on; upgrade "
    "the ORM or compare with `migrations` or a `snapshot` instead",
    "no_module": "fix `models` in the config or run pgwarden from the project folder",
    "import": "fix the module so it imports cleanly with that interpreter (pgwarden imports it as your "
    "service does, with the same environment variables)",
    "attribute": "point `models` at your MetaData or declarative Base, written module:attribute",
    "not_metadata": "point `models` at a SQLAlchemy MetaData or declarative Base, a Tortoise models module "
    "or `TORTOISE_ORM` config, a Peewee models module or database, or Django settings (other ORMs: compare with "
    "`migrations` or a `snapshot`)",
    "no_orm": "install your project's dependencies in that environment or set `python` to the "
    "interpreter that has them",
    "django_setup": "point `models` at your Django settings module (e.g. `mysite.settings`): pgwarden sets "
    "Django up with it and reads every installed app's models",
    "needs_connection": "build a database with `python manage.py migrate` and compare with it instead: "
    "`pgwarden snapshot` of it, then `snapshot = ...` in the config",
    "no_tables": "point `models` at the Base your model classes inherit from (Tortoise, Peewee: the models "
    "module), in a module that imports "
    "every module defining them",
    "mappers": "fix the mapping so `sqlalchemy.orm.configure_mappers()` succeeds",
    "compile": "fix the models so your ORM can write their PostgreSQL DDL (types the PostgreSQL dialect "
    "knows, relations to models it loads)",
}


def _parse(raw: dict[str, Any], spec: str, interpreter: Interpreter) -> Export:
    who = f"{interpreter.path} (found by {interpreter.found_by})"
    if raw.get("format") != FORMAT:
        raise SourceError(
            f"Loading models `{spec}` with {who} gave an answer in an unknown format; reinstall pgwarden."
        )
    error = raw.get("error")
    if isinstance(error, dict):
        kind = str(error.get("kind", ""))
        advice = _ADVICE.get(kind, "fix the models module")
        raise SourceError(f"Models `{spec}` with {who}: {error.get('message')}; {advice}.")
    try:
        return Export(
            orm=str(raw["orm"]),
            ddl=tuple((str(d["what"]), str(d["sql"])) for d in raw["ddl"]),
            schemas=tuple(str(s) for s in raw["schemas"]),
            columns=tuple(dict(c) for c in raw["columns"]),
            files=tuple(str(f) for f in raw["files"]),
        )
    except (KeyError, TypeError, ValueError):
        raise SourceError(
            f"Loading models `{spec}` with {who} gave an answer pgwarden cannot read."
        ) from None
