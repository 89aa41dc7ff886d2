"""What one Python module's syntax tree says to ``pgwarden init``: imports, bound names, settings, variables.

Pure functions over ``ast`` nodes; :mod:`pgwarden.discover` walks the files and keeps the results.
Nothing here imports or runs the project.
"""

from __future__ import annotations

import ast
import re

__all__ = [
    "bound_names",
    "env_reads",
    "imported",
    "names",
    "settings_variable",
    "url_path",
]

URL_ATTRS = re.compile(r"(database|db|postgres(?:ql)?|pg|sqlalchemy)_?(url|uri|dsn)$", re.IGNORECASE)
"""An attribute that holds a database URL: ``db_url``, ``DATABASE_URI``, ``POSTGRESQL_URL``, ``pg_dsn``."""
URL_VAR = re.compile(r"^(?:[A-Z0-9]+_)*(?:DATABASE|DB|POSTGRES(?:QL)?|PG|SQLALCHEMY)_?(?:URL|URI|DSN)$")
"""An environment variable that holds one: the same names in capitals, with any prefix (``BOT_DB_URL``)."""
_GETTERS = {"getenv", "get"}


def names(node: ast.expr) -> str:
    """``sa.orm.DeclarativeBase`` -> ``DeclarativeBase``."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Call):
        return names(node.func)
    if isinstance(node, ast.Subscript):
        return names(node.value)
    return ""


def imported(tree: ast.Module, module: str, *, is_package: bool) -> frozenset[str]:
    """Modules ``tree`` imports, relative ones made absolute (``from . import a`` -> ``pkg.a``)."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, module, is_package=is_package)
            out.add(base)
            out.update(f"{base}.{a.name}" for a in node.names)
    return frozenset(out)


def _absolute(node: ast.ImportFrom, module: str, *, is_package: bool) -> str:
    package = module if is_package else module.rpartition(".")[0]
    base = node.module or ""
    if node.level:
        parts = package.split(".") if package else []
        parts = parts[: len(parts) - (node.level - 1)] if node.level > 1 else parts
        base = ".".join([*parts, base] if base else parts)
    return base


def bound_names(tree: ast.Module) -> frozenset[str]:
    """Names a module binds at its top level: classes, assignments and ``from x import name``.

    ``models = "pkg.models:User"`` works when ``pkg.models`` binds ``User``, however it got it.
    """
    out: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            out.add(node.name)
        elif isinstance(node, ast.ImportFrom):
            out.update(a.asname or a.name for a in node.names if a.name != "*")
        elif isinstance(node, ast.Assign):
            out.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            out.add(node.target.id)
    return frozenset(out)


def env_reads(tree: ast.Module) -> tuple[str, ...]:
    """Environment variable names the module reads by literal: ``os.getenv("X")``, ``os.environ["X"]``.

    Each once: ``init`` uses them to tell whether a settings object only
    rebuilds a URL from variables pgwarden reads itself.
    """
    found: list[str] = []
    for node in ast.walk(tree):
        key: ast.expr | None = None
        if isinstance(node, ast.Call) and node.args and names(node.func) in _GETTERS:
            owner = node.func.value if isinstance(node.func, ast.Attribute) else None
            if names(node.func) == "getenv" or (owner is not None and names(owner) == "environ"):
                key = node.args[0]
        elif isinstance(node, ast.Subscript) and names(node.value) == "environ":
            key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            found.append(key.value)
    return tuple(dict.fromkeys(found))


def url_path(cls: ast.ClassDef, classes: dict[str, ast.ClassDef], *, depth: int) -> str | None:
    """``db_url``, or ``db.url`` through a nested settings class (``db: DbSettings``)."""
    direct = _url_attribute(cls)
    if direct or depth <= 1:
        return direct
    for item in cls.body:
        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            inner = classes.get(names(item.annotation))
            if inner is not None and inner is not cls:
                found = url_path(inner, classes, depth=depth - 1)
                if found:
                    return f"{item.target.id}.{found}"
    return None


def _url_attribute(cls: ast.ClassDef) -> str | None:
    for item in cls.body:
        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            name = item.target.id
        elif isinstance(item, ast.FunctionDef) and any(names(d) == "property" for d in item.decorator_list):
            name = item.name
        elif isinstance(item, ast.Assign) and isinstance(item.targets[0], ast.Name):
            name = item.targets[0].id
        else:
            continue
        if URL_ATTRS.search(name):
            return name
    return None


def settings_variable(cls: ast.ClassDef, attr: str) -> str | None:
    """The environment variable pydantic-settings fills ``attr`` of ``cls`` from, when the class
    says it plainly: a ``BaseSettings`` subclass, a field with no alias or ``env=``, and no
    ``env_prefix``. Its name in capitals (pydantic matches it in any case); ``None`` otherwise."""
    if "BaseSettings" not in {names(b) for b in cls.bases}:
        return None
    field: ast.AnnAssign | None = None
    for item in cls.body:
        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name) and item.target.id == attr:
            field = item
        elif _sets_prefix(item):
            return None
    if field is None:
        return None
    if isinstance(field.value, ast.Call) and any(
        k.arg in ("alias", "validation_alias", "env") for k in field.value.keywords
    ):
        return None
    return attr.upper()


def _sets_prefix(item: ast.stmt) -> bool:
    """Whether a class body statement names an ``env_prefix`` (``model_config`` or ``class Config``)."""
    return any(
        (isinstance(node, ast.keyword) and node.arg == "env_prefix")
        or (isinstance(node, ast.Name) and node.id == "env_prefix")
        or (isinstance(node, ast.Constant) and node.value == "env_prefix")
        for node in ast.walk(item)
    )
