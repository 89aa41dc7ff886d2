"""What a project holds that pgwarden can use, found by reading files: nothing of the project is imported.

``scan(root)`` parses every Python file's syntax tree (``ast``) for SQLAlchemy
declarative bases and ``MetaData`` objects, the model classes on them and settings
objects that carry a database URL; it finds Alembic, SQL migration folders, ``.env``
and deployment files by name. Importing the project to look would run its code
(connect to Telegram, need its secrets) before the user has agreed to anything.
"""

from __future__ import annotations

import ast
import configparser
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from ._astscan import URL_ATTRS, URL_VAR, bound_names, env_reads, imported, names, settings_variable, url_path
from .discover_orms import OrmModels, find_orms

__all__ = ["Base", "Project", "Settings", "scan"]

_SKIP_DIRS = {
    ".git",
    ".hg",
    ".venv",
    "venv",
    "env",
    ".tox",
    ".nox",
    "node_modules",
    "__pycache__",
    "site-packages",
    "build",
    "dist",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
}
_MAX_FILES = 3000  # a bot is far smaller; a huge tree means we were started in the wrong folder
_BASE_CLASSES = {"DeclarativeBase", "DeclarativeBaseNoMeta"}
_BASE_FACTORIES = {"declarative_base", "generate_base"}
_SQL_MIGRATION = re.compile(r"^\d+[_\-.].*\.sql$")
_SETTINGS_MODULE = re.compile(r"(^|\.)(config|settings|conf|configuration)$")


@dataclass(frozen=True)
class Base:
    """A declarative base or ``MetaData`` object, as ``module:attr``, with the tables mapped on it."""

    spec: str
    path: Path
    line: int
    tables: int = 0
    styles: frozenset[str] = frozenset()
    """``"Column"`` (classic ``Column(...)``), ``"Mapped"`` (``Mapped[...] = mapped_column(...)``)."""
    module: str = ""
    model_modules: frozenset[str] = frozenset()
    model_classes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Settings:
    """A module-level settings object with an attribute that looks like the database URL."""

    spec: str
    path: Path
    line: int
    reads: tuple[str, ...] = ()
    """The environment variables its module reads by name (``os.getenv("DB_HOST")``)."""
    variable: str | None = None
    """The one pydantic-settings fills the URL from, when the class says so plainly
    (``settings_variable``), spelt as the project's ``.env`` spells it."""

    @property
    def url_reads(self) -> tuple[str, ...]:
        """The variables the URL may come from: ``variable``, then ``reads``."""
        return (self.variable, *self.reads) if self.variable else self.reads


@dataclass
class Project:
    root: Path
    bases: list[Base] = field(default_factory=list)
    orms: list[OrmModels] = field(default_factory=list)
    """Tortoise, Peewee and Django models (``discover_orms``), most tables first."""
    settings: list[Settings] = field(default_factory=list)
    alembic: Path | None = None
    """``alembic.ini`` (or the script folder holding ``env.py`` and ``versions/``)."""
    migrations: Path | None = None
    migration_files: int = 0
    env_file: Path | None = None
    env_keys: tuple[str, ...] = ()
    """The URL-related variable names in ``.env`` (names only: values may be secrets)."""
    env_template: Path | None = None
    """``.env.example`` and friends, when there is no ``.env``: what the project expects to be set."""
    deploy: list[Path] = field(default_factory=list)
    entry: str | None = None
    """How the bot starts: ``python -m bot`` or ``python bot.py``."""
    python_files: int = 0
    truncated: bool = False
    imports: dict[str, frozenset[str]] = field(default_factory=dict)
    """Each module's imports, to tell whether importing ``models`` registers every table."""
    bound: dict[str, frozenset[str]] = field(default_factory=dict)
    """Each module's top-level names (defined or imported)."""

    def unimported(self, base: Base) -> list[str]:
        """Model modules of ``base`` that importing ``base.module`` does not import (directly)."""
        seen = self.closure(base.module)
        return sorted(m for m in base.model_modules if m not in seen)

    def models_spec(self, base: Base) -> str:
        """``base.spec``, or a ``module:name`` whose import registers every table of ``base``.

        Real bots define the Base in ``db/base.py`` and the models elsewhere; importing the
        base module alone yields no tables. A module that imports all model modules and binds
        the Base (or one model class, whose ``metadata`` is the Base's) does.
        """
        if not self.unimported(base):
            return base.spec
        name = base.spec.rpartition(":")[2]
        wanted = base.model_modules | {base.module}
        candidates = []
        for module, bound in self.bound.items():
            usable = [name] if name in bound else sorted(bound & base.model_classes)
            if not usable:
                continue
            closure = self.closure(module)
            if wanted <= closure:
                # Model modules and their packages first: an entry point imports everything too,
                # but importing it starts the bot's own set-up (tokens, network).
                near = any(m == module or m.startswith(module + ".") for m in base.model_modules)
                candidates.append((not near, len(closure), module, usable[0]))
        if not candidates:
            return base.spec
        _, _, module, attr = min(candidates)
        return f"{module}:{attr}"

    def closure(self, module: str) -> set[str]:
        """The project modules importing ``module`` runs: its imports, theirs, and parent packages."""
        seen = {module}
        todo = [module]
        while todo:  # follow imports inside the project: base -> package __init__ -> models
            current = todo.pop()
            for name in self.imports.get(current, ()):
                if name in self.imports and name not in seen:
                    seen.add(name)
                    todo.append(name)
            parent = current.rpartition(".")[0]
            if parent and parent in self.imports and parent not in seen:
                seen.add(parent)  # importing a.b runs a/__init__.py first
                todo.append(parent)
        return seen

    @property
    def empty(self) -> bool:
        return self.python_files == 0 and not self.migrations and not self.alembic


def scan(root: Path) -> Project:
    project = Project(root=root)
    files = list(_python_files(root))
    project.truncated = len(files) > _MAX_FILES
    files = files[:_MAX_FILES]
    project.python_files = len(files)
    trees = [(_module_name(root, p), _scan_module(p, _module_name(root, p), project)) for p in files]
    for module, tree in trees:  # second pass: a model may live in another module than its base
        if tree is not None:
            _count_models(tree, module, project)
    project.bases.sort(key=lambda b: (-b.tables, str(b.path)))
    project.orms = find_orms(root, files, {p: _module_name(root, p) for p in files})
    project.alembic = _alembic(root)
    project.migrations, project.migration_files = _sql_migrations(root)
    env_file, project.env_keys = _env_file(root)
    if env_file is not None:
        project.settings = [_as_in_env(s, project.env_keys) for s in project.settings]
    if env_file is not None and env_file.name != ".env":
        project.env_template = env_file
    else:
        project.env_file = env_file
    project.deploy = _deploy_files(root)
    project.entry = _entry(root, files)
    return project


def _as_in_env(settings: Settings, keys: tuple[str, ...]) -> Settings:
    """``settings`` with its pydantic-settings variable spelt as the project's ``.env`` spells it
    (pydantic matches any case, pgwarden the name), or dropped when the ``.env`` does not hold it:
    the class then reads another file, which only importing it finds."""
    if settings.variable is None:
        return settings
    spelt = next((key for key in keys if key.upper() == settings.variable), None)  # in capitals
    return replace(settings, variable=spelt)


# --- Python files ----------------------------------------------------------------------


def _python_files(root: Path) -> Iterator[Path]:
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir():
                if entry.name not in _SKIP_DIRS and not entry.name.startswith("."):
                    stack.append(entry)
            elif entry.suffix == ".py":
                yield entry


def _module_name(root: Path, path: Path) -> str:
    rel = path.relative_to(root).with_suffix("")
    parts = list(rel.parts)
    if parts and parts[0] == "src":  # src layout: the package is imported without `src.`
        parts = parts[1:]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _scan_module(path: Path, module: str, project: Project) -> ast.Module | None:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (SyntaxError, UnicodeDecodeError, OSError, ValueError):
        return None
    local_bases: dict[str, Base] = {}
    metadata: set[str] = set()  # the MetaData objects among them
    given: set[str] = set()  # names a base takes its MetaData from: the base stands for it
    classes: dict[str, ast.ClassDef] = {}
    settings: list[Settings] = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            parents = {names(b) for b in node.bases}
            if parents & _BASE_CLASSES:
                local_bases[node.name] = Base(f"{module}:{node.name}", path, node.lineno, module=module)
                given.update(_metadata_given(node.body))  # metadata = meta
            else:
                classes[node.name] = node
        elif (assigned := _assigned(node)) is not None:
            name, value = assigned
            called = names(value) if isinstance(value, ast.Call) else ""
            if called in _BASE_FACTORIES or called == "MetaData":
                local_bases[name] = Base(f"{module}:{name}", path, node.lineno, module=module)
                if called == "MetaData":
                    metadata.add(name)
                elif isinstance(value, ast.Call):  # declarative_base(metadata=meta)
                    given.update(
                        k.value.id
                        for k in value.keywords
                        if k.arg == "metadata" and isinstance(k.value, ast.Name)
                    )
            elif called in classes:
                attr = url_path(classes[called], classes, depth=2)
                if attr:
                    variable = settings_variable(classes[called], attr)  # pydantic-settings' own
                    settings.append(Settings(f"{module}:{name}.{attr}", path, node.lineno, variable=variable))
            elif URL_ATTRS.search(name) and _SETTINGS_MODULE.search(module):
                settings.append(Settings(f"{module}:{name}", path, node.lineno))  # DB_URL = getenv(...)
    for name in metadata & given:  # listed once, as the base whose tables it holds
        del local_bases[name]
    if settings:
        reads = env_reads(tree)
        project.settings.extend(replace(s, reads=reads) for s in settings)
    project.bases.extend(local_bases.values())
    project.imports[module] = imported(tree, module, is_package=path.name == "__init__.py")
    project.bound[module] = bound_names(tree)
    return tree


def _metadata_given(body: list[ast.stmt]) -> set[str]:
    """The name a declarative base's body assigns to ``metadata`` (``metadata = meta``)."""
    found = set()
    for item in body:
        assigned = _assigned(item)
        if assigned is not None and assigned[0] == "metadata" and isinstance(assigned[1], ast.Name):
            found.add(assigned[1].id)
    return found


def _assigned(node: ast.stmt) -> tuple[str, ast.expr] | None:
    """The one name ``node`` assigns at module level and its value (``X = ...``, ``X: str = ...``)."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id, node.value
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
        return node.target.id, node.value
    return None


def _count_models(tree: ast.Module, module: str, project: Project) -> None:
    """Add each ``__tablename__`` class to the base it derives from (by name, across modules)."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        if not any(
            isinstance(i, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__tablename__" for t in i.targets)
            for i in node.body
        ):
            continue
        styles = set()
        for item in node.body:
            if isinstance(item, ast.AnnAssign) and names(item.annotation) == "Mapped":
                styles.add("Mapped")
            elif isinstance(item, ast.Assign) and names(item.value) == "Column":
                styles.add("Column")
        parents = {names(b) for b in node.bases}
        for i, base in enumerate(project.bases):
            if base.spec.rpartition(":")[2] in parents:
                project.bases[i] = Base(
                    base.spec,
                    base.path,
                    base.line,
                    base.tables + 1,
                    base.styles | frozenset(styles),
                    base.module,
                    base.model_modules | {module},
                    base.model_classes | {node.name},
                )
                break


# --- other files -----------------------------------------------------------------------


def _alembic(root: Path) -> Path | None:
    ini = root / "alembic.ini"
    if ini.is_file():
        return ini
    for candidate in (root / "alembic", root / "migrations", root / "db" / "migrations"):
        if (candidate / "env.py").is_file() and (candidate / "versions").is_dir():
            return candidate
    return None


def alembic_script_location(ini: Path) -> str | None:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(ini, encoding="utf-8")
        return parser.get("alembic", "script_location", fallback=None)
    except (configparser.Error, OSError, UnicodeDecodeError):
        return None


def _sql_migrations(root: Path) -> tuple[Path | None, int]:
    best: tuple[Path | None, int] = (None, 0)
    for folder in (
        root / "migrations",
        root / "db" / "migrations",
        root / "sql",
        root / "db",
        root / "schema",
    ):
        if not folder.is_dir():
            continue
        count = sum(1 for f in folder.iterdir() if f.is_file() and _SQL_MIGRATION.match(f.name))
        if count > best[1]:
            best = (folder, count)
    return best


_ENV_TEMPLATES = (".env.example", ".env.dist", ".env.sample", ".env.template", "example.env", "env.example")


def _env_file(root: Path) -> tuple[Path | None, tuple[str, ...]]:
    """``.env`` (else a template of it, such as ``.env.example``) and its database variable names."""
    for name in (".env", *_ENV_TEMPLATES):
        path = root / name
        if path.is_file():
            break
    else:
        return None, ()
    keys: list[str] = []
    try:
        for line in path.read_text(encoding="utf-8").splitlines():
            key = line.strip().removeprefix("export ").partition("=")[0].strip()
            if (
                key == "DIRECT_URL"
                or URL_VAR.match(key.upper())
                or key.startswith(("DB_", "POSTGRES_", "PG"))
            ):
                keys.append(key)
    except (OSError, UnicodeDecodeError):
        return path, ()
    return path, tuple(dict.fromkeys(keys))


def _deploy_files(root: Path) -> list[Path]:
    names = (
        "Dockerfile",
        "docker-compose.yml",
        "docker-compose.yaml",
        "compose.yml",
        "compose.yaml",
        "Procfile",
    )
    found = [root / n for n in names if (root / n).is_file()]
    for folder in (root, root / "deploy", root / "systemd"):
        if folder.is_dir():
            found.extend(sorted(folder.glob("*.service")))
    return found


def _entry(root: Path, files: list[Path]) -> str | None:
    for path in files:
        if path.name == "__main__.py" and path.parent != root:
            return f"python -m {_module_name(root, path.parent / '__init__.py')}"
    # A script in src/ or a folder of scripts (bot/bot.py importing `config` beside it) runs as
    # `python src/main.py`: Python puts the script's folder first on the path, as the bot expects.
    folders = [
        root,
        root / "src",
        *sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")),
    ]
    for folder in folders:
        for name in ("bot.py", "main.py", "app.py", "run.py", "__main__.py"):
            script = folder / name
            if script.is_file() and (folder == root or _runs_as_main(script)):
                return f"python {script.relative_to(root).as_posix()}"
    return None


def _runs_as_main(path: Path) -> bool:
    try:
        return "__main__" in path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
