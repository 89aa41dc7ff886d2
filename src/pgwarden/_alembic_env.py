"""The models an Alembic ``env.py`` names in ``target_metadata``, read from its syntax tree, never run.

``env.py`` builds engines, reads settings and, in online mode, connects: pgwarden never
runs it. Instead the assignment ``target_metadata = Base.metadata`` and the import that
bound ``Base`` give a ``module:attribute`` spec, which the models loader then imports in
the project's own interpreter like a configured ``models``.
"""

from __future__ import annotations

import ast
import configparser
import sys
from pathlib import Path

__all__ = ["env_file", "target_metadata"]


def env_file(migrations: Path) -> Path | None:
    """The ``env.py`` of the Alembic environment ``migrations`` names (an ``alembic.ini``, a
    ``pyproject.toml`` with ``[tool.alembic]``, or the script folder), if it has one."""
    folder: Path | None = None
    if migrations.is_dir():
        ini = migrations / "alembic.ini"
        folder = (
            migrations if (migrations / "env.py").is_file() else _from_ini(ini) if ini.is_file() else None
        )
    elif migrations.name == "pyproject.toml":
        folder = _from_pyproject(migrations)
    elif migrations.suffix == ".ini":
        folder = _from_ini(migrations)
    if folder is None:
        return None
    env = folder / "env.py"
    return env if env.is_file() else None


def _from_ini(ini: Path) -> Path | None:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(ini, encoding="utf-8")
        location = parser.get("alembic", "script_location", fallback=None)
    except (configparser.Error, OSError, UnicodeDecodeError):
        return None
    return _resolve(location, ini.parent)


def _from_pyproject(path: Path) -> Path | None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("tool", {}).get("alembic", {})
    except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError):
        return None
    location = table.get("script_location") if isinstance(table, dict) else None
    return _resolve(location if isinstance(location, str) else None, path.parent)


def _resolve(location: str | None, here: Path) -> Path | None:
    if not location or ":" in location.replace("%(here)s", ""):
        return None  # a package resource (``pkg:migrations``) is not read here
    here = here.resolve()
    path = Path(location.replace("%(here)s", str(here))).expanduser()
    return (path if path.is_absolute() else here / path).resolve()


def target_metadata(env: Path) -> str | None:
    """``module:attribute`` for ``target_metadata`` in ``env`` (``None`` when it is ``None``, a list, or
    built in a way the syntax does not tell, e.g. inside a function)."""
    try:
        tree = ast.parse(env.read_text(encoding="utf-8"), filename=str(env))
    except (SyntaxError, OSError, UnicodeDecodeError, ValueError):
        return None
    imports: dict[str, str] = {}
    value: ast.expr | None = None
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                imports[alias.asname or alias.name] = f"{node.module}:{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                imports[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else ""
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "target_metadata" for t in targets):
                value = node.value
    return _spec(value, imports) if value is not None else None


def _spec(value: ast.expr, imports: dict[str, str]) -> str | None:
    parts: list[str] = []
    node = value
    while isinstance(node, ast.Attribute):
        parts.insert(0, node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in imports or not imports[node.id]:
        return None
    bound = imports[node.id]
    if ":" in bound:  # `from app.db import Base` then `Base.metadata`
        module, name = bound.split(":")
        parts.insert(0, name)
    else:  # `import app.db.models as m` then `m.Base.metadata`
        module = bound
    if len(parts) > 1 and parts[-1] == "metadata":
        parts.pop()  # `Base.metadata` -> `Base`: the loader takes a declarative Base or a MetaData
    return f"{module}:{'.'.join(parts)}" if parts else None
