"""The models an Alembic ``env.py`` names in ``target_metadata``, read from its syntax tree, never run.

``env.py`` builds engines, reads settings and, in online mode, connects: pgwarden never
runs it. Instead the assignment ``target_metadata = Base.metadata`` and the import that
bound ``Base`` give a ``module:attribute`` spec, which the models loader then imports in
the project's own interpreter like a configured ``models``.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

__all__ = ["env_file", "target_metadata", "unread", "unread_note"]


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
    import configparser  # only for an alembic.ini: not loaded by every command (nor the guardian)

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
    """``module:attribute`` for ``target_metadata`` in ``env`` (several, comma-separated, for a list), or
    ``None`` when it is ``None``, absent, or built in a way the syntax does not tell (see :func:`unread`)."""
    return _read(env)[0]


def unread(env: Path) -> str | None:
    """One sentence when ``env`` assigns ``target_metadata`` in a way pgwarden cannot read without running it."""
    return _read(env)[1]


def unread_note(migrations: Path | None) -> str | None:
    """:func:`unread` for the ``env.py`` of the Alembic environment ``migrations`` names, if any."""
    env = env_file(migrations) if migrations is not None and migrations.exists() else None
    return unread(env) if env is not None else None


def _read(env: Path) -> tuple[str | None, str | None]:
    try:
        tree = ast.parse(env.read_text(encoding="utf-8"), filename=str(env))
    except (SyntaxError, OSError, UnicodeDecodeError, ValueError):
        return None, None
    imports: dict[str, str] = {}
    loaded: list[str] = []  # `import app.models`: modules imported for the tables they define
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    value: ast.expr | None = None
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            _bind(node, imports, loaded)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions[node.name] = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "target_metadata" for t in targets):
                value = node.value
    if value is None or (isinstance(value, ast.Constant) and value.value is None):
        return None, None
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in functions:
        # `target_metadata = get_metadata()`: what the function returns, with its own imports.
        function = functions[value.func.id]
        inner = dict(imports)
        returned: ast.expr | None = None
        for inner_node in ast.walk(function):
            if isinstance(inner_node, (ast.Import, ast.ImportFrom)):
                _bind(inner_node, inner, loaded)
            elif isinstance(inner_node, ast.Return) and inner_node.value is not None:
                returned = inner_node.value
        specs = _specs(returned, inner) if returned is not None else None
    else:
        specs = _specs(value, imports)
    if not specs:
        return None, (
            f"{env}:{value.lineno}: `target_metadata` is built in a way pgwarden cannot read without running "
            "env.py; set `models` in the config (module:attribute, several separated by commas)."
        )
    named = [s.replace(":", ".") + "." for s in specs]
    extra = [m for m in loaded if not any(n.startswith(m + ".") for n in named)]
    return ", ".join(dict.fromkeys([*extra, *specs])), None


def _bind(node: ast.Import | ast.ImportFrom, imports: dict[str, str], loaded: list[str]) -> None:
    """Record the names an import binds; a models module imported for its side effect goes to ``loaded``."""
    if isinstance(node, ast.ImportFrom):
        if not node.module or node.level != 0:
            return
        for alias in node.names:
            if alias.name == "*":
                if "model" in node.module:
                    loaded.append(node.module)
                continue
            imports[alias.asname or alias.name] = f"{node.module}:{alias.name}"
            if (
                ("model" in alias.name or "model" in node.module)
                and alias.name.islower()
                and not alias.asname
            ):
                # `from app import models`, `from app.models import user`: most likely modules, imported
                # for the tables they define (the loader imports the parent if it is not a module).
                loaded.append(f"{node.module}.{alias.name}")
        return
    for alias in node.names:
        imports[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else ""
        if not alias.asname:
            imports[f"import:{alias.name}"] = alias.name  # `import a.b` binds `a` and makes `a.b` reachable
        if not alias.asname and "model" in alias.name:
            loaded.append(alias.name)


def _specs(value: ast.expr, imports: dict[str, str]) -> list[str] | None:
    items = value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]
    specs = [_spec(item, imports) for item in items]
    return None if not specs or any(s is None for s in specs) else [s for s in specs if s]


def _spec(value: ast.expr, imports: dict[str, str]) -> str | None:
    parts: list[str] = []
    node = value
    while isinstance(node, ast.Attribute):
        parts.insert(0, node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in imports:
        return None
    bound = imports[node.id]
    if ":" in bound:  # `from app.db import Base` then `Base.metadata`
        module, name = bound.split(":")
        parts.insert(0, name)
    elif bound:  # `import app.db.models as m` then `m.Base.metadata`
        module = bound
    else:  # `import app.db.models` then `app.db.models.Base.metadata`: the longest module imported
        dotted = [node.id, *parts]
        cut = next(
            (i for i in range(len(dotted) - 1, 0, -1) if f"import:{'.'.join(dotted[:i])}" in imports), 1
        )
        module, parts = ".".join(dotted[:cut]), dotted[cut:]
    if len(parts) > 1 and parts[-1] == "metadata":
        parts.pop()  # `Base.metadata` -> `Base`: the loader takes a declarative Base or a MetaData
    return f"{module}:{'.'.join(parts)}" if parts else None
