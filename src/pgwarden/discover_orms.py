"""Tortoise, Peewee and Django models found by reading files, for ``pgwarden init`` (nothing is imported).

What ``models`` should name for each, as the exporter in the project's interpreter reads it:

* Tortoise: aerich's setting (``[tool.aerich] tortoise_orm`` in pyproject.toml, ``tortoise_orm``
  in aerich.ini), else a module-level ``TORTOISE_ORM`` (or any dict with ``apps`` and
  ``connections``), else the module with the most models;
* Django: the settings module ``manage.py`` puts in ``DJANGO_SETTINGS_MODULE``;
* Peewee: the module with the most models (a base class with ``Meta.database`` is not a table).

A class is a model when it derives from ``Model`` in a module that imports that ORM, or from
such a class (by name, across modules).
"""

from __future__ import annotations

import ast
import configparser
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

from ._astscan import names

__all__ = ["OrmModels", "find_orms"]

ORMS = {"tortoise": "Tortoise", "peewee": "Peewee", "django": "Django"}
_IMPORTS = {"tortoise": ("tortoise",), "peewee": ("peewee", "playhouse"), "django": ("django",)}


@dataclass(frozen=True)
class OrmModels:
    """Models of one ORM: what ``models`` should say, where that was found, how many tables."""

    orm: str
    """``Tortoise``, ``Peewee`` or ``Django``."""
    spec: str
    path: Path
    line: int
    tables: int
    how: str
    """Why this spec: ``aerich's [tool.aerich]``, ``TORTOISE_ORM``, ``manage.py``, ``the module with most models``."""


@dataclass
class _Module:
    name: str
    path: Path
    tree: ast.Module
    orms: frozenset[str]


def find_orms(root: Path, files: Iterable[Path], module_of: dict[Path, str]) -> list[OrmModels]:
    """Tortoise, Peewee and Django models under ``root``, most tables first."""
    modules: list[_Module] = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        lowered = text.lower()
        config = "TORTOISE_ORM" in text or ("apps" in text and "connections" in text)
        if not config and not any(orm in lowered for orm in ORMS):
            continue  # most files name no ORM: no need to parse them
        try:
            tree = ast.parse(text, filename=str(path))
        except (SyntaxError, ValueError):
            continue
        modules.append(_Module(module_of[path], path, tree, _imports(tree)))
    found: list[OrmModels] = []
    for orm in ORMS:
        tables = _tables(modules, orm)
        total = sum(len(t) for t in tables.values())
        spec = _spec(root, modules, orm, tables, total)
        if spec is not None:
            found.append(spec)
    return sorted(found, key=lambda o: -o.tables)


def _imports(tree: ast.Module) -> frozenset[str]:
    orms: set[str] = set()
    for node in ast.walk(tree):
        modules = (
            [a.name for a in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else []
        )
        for module in modules:
            top = module.partition(".")[0]
            orms.update(orm for orm, tops in _IMPORTS.items() if top in tops)
    return frozenset(orms)


def _tables(modules: list[_Module], orm: str) -> dict[str, list[ast.ClassDef]]:
    """Module -> its model classes of ``orm`` that are tables (not abstract, not a database base)."""
    classes = [(m, node) for m in modules for node in ast.walk(m.tree) if isinstance(node, ast.ClassDef)]
    known: set[str] = set()
    changed = True
    while changed:  # a model may derive from a base class in another module: follow names
        changed = False
        for module, node in classes:
            parents = {names(b) for b in node.bases}
            if node.name in known:
                continue
            if ("Model" in parents and orm in module.orms) or parents & known:
                known.add(node.name)
                changed = True
    tables: dict[str, list[ast.ClassDef]] = {}
    for module, node in classes:
        if node.name in known and _is_table(node, orm):
            tables.setdefault(module.name, []).append(node)
    return tables


def _is_table(node: ast.ClassDef, orm: str) -> bool:
    for item in node.body:
        if isinstance(item, ast.ClassDef) and item.name == "Meta":
            for entry in item.body:
                if isinstance(entry, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "abstract" for t in entry.targets
                ):
                    return not (isinstance(entry.value, ast.Constant) and entry.value.value is True)
    if orm == "peewee":  # `class BaseModel(Model): class Meta: database = db` holds no field
        return any(
            isinstance(item, ast.Assign) and isinstance(item.value, ast.Call) and "Field" in names(item.value)
            for item in node.body
        )
    return True


def _spec(
    root: Path, modules: list[_Module], orm: str, tables: dict[str, list[ast.ClassDef]], total: int
) -> OrmModels | None:
    name = ORMS[orm]
    if orm == "tortoise":
        aerich = _aerich(root)
        if aerich is not None:
            spec, where = aerich
            return OrmModels(name, spec, where, 1, total, f"aerich's setting in {where.name}")
        for module in modules:
            for node in module.tree.body:
                config = _tortoise_config(node)
                if config is not None:
                    spec = f"{module.name}:{config}"
                    return OrmModels(name, spec, module.path, node.lineno, total, "a Tortoise config")
    if orm == "django":
        for manage in (root / "manage.py", *sorted(root.glob("*/manage.py"))):
            settings = _django_settings(manage)
            if settings is not None:
                return OrmModels(name, settings, manage, 1, total, "manage.py's DJANGO_SETTINGS_MODULE")
        return None  # Django models without manage.py: no settings module to name
    if not tables:
        return None
    best, classes = max(tables.items(), key=lambda kv: (len(kv[1]), kv[0]))
    path = next(m.path for m in modules if m.name == best)
    return OrmModels(name, best, path, classes[0].lineno, total, "the module with the most models")


def _tortoise_config(node: ast.stmt) -> str | None:
    """The name bound by ``TORTOISE_ORM = ...`` or a module-level dict with ``apps`` and ``connections``."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        target, value = node.targets[0].id, node.value
    elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
        target, value = node.target.id, node.value
    else:
        return None
    if target == "TORTOISE_ORM":
        return target
    if not isinstance(value, ast.Dict):
        return None
    keys = {k.value for k in value.keys if isinstance(k, ast.Constant)}
    return target if {"apps", "connections"} <= keys else None


def _aerich(root: Path) -> tuple[str, Path] | None:
    """aerich's ``tortoise_orm = "bot.config.TORTOISE_ORM"`` as ``bot.config:TORTOISE_ORM``."""
    pyproject, ini = root / "pyproject.toml", root / "aerich.ini"
    value: object = None
    where = pyproject
    try:
        if pyproject.is_file():
            value = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {}).get("aerich", {})
            value = value.get("tortoise_orm") if isinstance(value, dict) else None
        if value is None and ini.is_file():
            parser = configparser.ConfigParser(interpolation=None)
            parser.read(ini, encoding="utf-8")
            value, where = parser.get("aerich", "tortoise_orm", fallback=None), ini
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, configparser.Error):
        return None
    if not isinstance(value, str) or "." not in value.strip():
        return None
    module, _, attr = value.strip().rpartition(".")
    return f"{module}:{attr}", where


def _django_settings(manage: Path) -> str | None:
    """The settings module ``manage.py`` sets: ``os.environ.setdefault("DJANGO_SETTINGS_MODULE", "x")``."""
    try:
        tree = ast.parse(manage.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and len(node.args) == 2:
            key, value = node.args
            if (
                isinstance(key, ast.Constant)
                and key.value == "DJANGO_SETTINGS_MODULE"
                and isinstance(value, ast.Constant)
                and isinstance(value.value, str)
            ):
                return value.value
    return None
