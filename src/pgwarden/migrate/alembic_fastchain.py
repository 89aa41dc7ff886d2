"""Alembic's revision chain read without importing Alembic or SQLAlchemy: for a read that runs nothing.

Importing Alembic and SQLAlchemy costs about half a second of CPU, more than a warm
``pgwarden check`` needs in all. When only the chain is wanted (the expected-schema cache
key, where a database stands for the ledger findings) the config is read with
``configparser`` and each revision file with ``ast``: literal ``revision``,
``down_revision``, ``branch_labels`` and ``depends_on``, ordered as Alembic orders them.
Anything this reader does not handle (a non-literal value, a package resource as
``script_location``, sourceless or recursive version folders, ``revision_environment``)
gives ``None`` and the caller uses :func:`.alembic_scripts.load_chain`. Running
revisions (``migrate up``, ``baseline``, the scratch build) always goes through Alembic.
"""

from __future__ import annotations

import ast
import configparser
import hashlib
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .alembic_scripts import Revision

__all__ = ["FastChain", "read"]

_SEPARATORS = {"space": " ", "newline": "\n", "os": os.pathsep, ":": ":", ";": ";", " ": " ", "\n": "\n"}
_NAMES = ("revision", "down_revision", "branch_labels", "depends_on")


@dataclass(frozen=True)
class FastChain:
    """The revisions of one Alembic environment in Alembic's order, with their heads."""

    where: Path
    revisions: tuple[Revision, ...]
    heads: tuple[str, ...]
    requires: dict[str, tuple[str, ...]]
    """Per revision, what it builds on: its down revisions and the revisions it depends on."""
    imports: frozenset[str]
    """Top-level names of every module the revision files import (Alembic would import them too)."""

    def get(self, rev: str) -> Revision | None:
        return next((r for r in self.revisions if r.id == rev), None)

    def applied(self, current: tuple[str, ...]) -> set[str]:
        """Ids a database at ``current`` has applied: those revisions and all they build on."""
        done: set[str] = set()
        todo = list(current)
        while todo:
            rev = todo.pop()
            if rev not in done:
                done.add(rev)
                todo.extend(self.requires[rev])
        return done


class _Unsupported(Exception):
    """Something only Alembic itself reads right: the caller falls back to it."""


def read(path: Path) -> FastChain | None:
    """The chain at ``path`` (as :func:`.alembic_scripts.load_chain` takes it), or ``None`` to use Alembic."""
    try:
        folders = _folders(path)
        parsed = [_parse_version(f) for f in _files(folders)]
        return _chain(path, parsed)
    except (_Unsupported, OSError, SyntaxError, ValueError, UnicodeDecodeError, configparser.Error):
        return None


def _folders(path: Path) -> list[Path]:
    if path.is_dir() and (path / "alembic.ini").is_file() and not (path / "env.py").is_file():
        path = path / "alembic.ini"
    if path.is_file() and path.name == "pyproject.toml":
        from .alembic_scripts import _pyproject_location

        return [(path.parent / _pyproject_location(path)).resolve() / "versions"]
    if path.is_dir():
        return [(path / "versions").absolute()]
    parser = configparser.ConfigParser(defaults={"here": str(path.absolute().parent)})
    parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
    if not parser.has_section("alembic"):
        raise _Unsupported
    section = parser["alembic"]
    for flag in ("revision_environment", "sourceless", "recursive_version_locations"):
        if section.getboolean(flag, fallback=False):
            raise _Unsupported
    location = section.get("script_location")
    if not location or (":" in location and not Path(location).exists()):
        raise _Unsupported  # none (Alembic's own message is kept) or a package resource
    locations = section.get("version_locations")
    if not locations:
        return [Path(location, "versions").absolute()]
    sep = section.get("path_separator") or section.get("version_path_separator")
    if sep is None:
        names = re.split(r", *|(?: +)", locations)
    elif sep in _SEPARATORS:
        names = [x.strip() for x in locations.split(_SEPARATORS[sep]) if x]
    else:
        raise _Unsupported
    if any(":" in n and not Path(n).exists() for n in names):
        raise _Unsupported
    return [Path(n).absolute() for n in names]


def _files(folders: list[Path]) -> list[Path]:
    seen: set[Path] = set()
    found: list[Path] = []
    for folder in folders:
        if not folder.exists():
            continue
        for name in sorted(os.listdir(folder)):
            file = folder / name
            if not name.endswith(".py") or name.startswith((".#", "__init__")) or not file.is_file():
                continue
            real = file.resolve()
            if real not in seen:
                seen.add(real)
                found.append(real)
    return found


@dataclass(frozen=True)
class _Parsed:
    path: Path
    data: bytes
    doc: str
    values: dict[str, object]
    imports: frozenset[str]


def _parse_version(path: Path) -> _Parsed:
    seen = path.stat()
    return _parse(path, seen.st_mtime_ns, seen.st_size)


@lru_cache(maxsize=1024)
def _parse(path: Path, mtime_ns: int, size: int) -> _Parsed:
    """Cached per file version: a ``check`` reads the chain twice (cache key, ledger findings)."""
    data = path.read_bytes()
    tree = ast.parse(data, filename=str(path))
    values: dict[str, object] = {}
    for node in tree.body:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign):
            targets, value = [node.target], node.value
        elif isinstance(node, ast.AugAssign):
            targets = [node.target]
        names = {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        wanted = names.intersection(_NAMES)
        if not wanted:
            continue
        if value is None or len(targets) != 1 or not isinstance(targets[0], ast.Name) or wanted & set(values):
            raise _Unsupported  # unpacking, augmenting or assigning twice: only Alembic knows the result
        values[targets[0].id] = ast.literal_eval(value)
    if not isinstance(values.get("revision"), str):
        raise _Unsupported
    raw = ast.get_docstring(tree, clean=False) or ""
    imports: set[str] = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Import):
            imports.update(a.name for a in n.names)
        elif isinstance(n, ast.ImportFrom):
            imports.add(f"{'.' * n.level}{n.module or ''}")
    return _Parsed(path, data, raw.strip(), values, frozenset(i.split(".")[0] or "." for i in imports))


def _ids(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (tuple, list)) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise _Unsupported


def _chain(where: Path, parsed: list[_Parsed]) -> FastChain:
    order = [str(p.values["revision"]) for p in parsed]
    if len(set(order)) != len(order):
        raise _Unsupported  # duplicate ids: Alembic's message names them
    downs = {str(p.values["revision"]): _ids(p.values.get("down_revision")) for p in parsed}
    labels = {
        label: str(p.values["revision"]) for p in parsed for label in _ids(p.values.get("branch_labels"))
    }
    deps = {
        str(p.values["revision"]): tuple(labels.get(d, d) for d in _ids(p.values.get("depends_on")))
        for p in parsed
    }
    for rev in order:
        if any(d not in downs for d in (*downs[rev], *deps[rev])):
            raise _Unsupported  # a partial id or a missing revision: Alembic resolves or reports it
    own = _own_dependencies(order, downs, deps)
    requires = {rev: tuple(dict.fromkeys(downs[rev] + own[rev])) for rev in order}
    _acyclic(order, requires)
    heads = tuple(rev for rev in order if not any(rev in downs[o] for o in order))
    # Alembic walks from its "real" heads: those nothing builds on, by down revision or dependency.
    real = tuple(rev for rev in heads if not any(rev in deps[o] for o in order))
    walked = _topological(order, real, requires, own, downs)
    if len(walked) != len(order):
        raise _Unsupported
    by_id = {str(p.values["revision"]): p for p in parsed}
    revisions = tuple(_revision(by_id[rev], downs[rev]) for rev in walked)
    imports = frozenset(name for p in parsed for name in p.imports)
    return FastChain(where=where, revisions=revisions, heads=heads, requires=requires, imports=imports)


def _own_dependencies(
    order: list[str], downs: dict[str, tuple[str, ...]], deps: dict[str, tuple[str, ...]]
) -> dict[str, tuple[str, ...]]:
    """Each revision's dependencies less those an ancestor (by down revisions) already depends on,
    as Alembic normalizes them. (Alembic keeps them in a set: with two or more left, its own order
    of them is arbitrary, and so is its walk; here they keep the file's order.)"""
    result: dict[str, tuple[str, ...]] = {}
    for rev in order:
        inherited: set[str] = set()
        seen: set[str] = set()
        todo = list(downs[rev])
        while todo:
            r = todo.pop()
            if r not in seen:
                seen.add(r)
                inherited.update(deps[r])
                todo.extend(downs[r])
        result[rev] = tuple(dict.fromkeys(d for d in deps[rev] if d not in inherited))
    return result


def _acyclic(order: list[str], requires: dict[str, tuple[str, ...]]) -> None:
    state: dict[str, int] = {}
    for start in order:
        stack = [(start, iter(requires[start]))]
        if state.get(start):
            continue
        state[start] = 1
        while stack:
            rev, rest = stack[-1]
            nxt = next(rest, None)
            if nxt is None:
                state[rev] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                raise _Unsupported  # a cycle: Alembic's message names it
            elif not state.get(nxt):
                state[nxt] = 1
                stack.append((nxt, iter(requires[nxt])))


def _topological(
    order: list[str],
    heads: tuple[str, ...],
    requires: dict[str, tuple[str, ...]],
    own: dict[str, tuple[str, ...]],
    downs: dict[str, tuple[str, ...]],
) -> list[str]:
    """Alembic's walk from the heads, newest first: each head's line is walked down until another
    head still needs what comes next; returned reversed (oldest first), as ``load_chain`` has it."""

    def ancestors(rev: str) -> set[str]:
        seen: set[str] = set()
        todo = [rev]
        while todo:
            r = todo.pop()
            if r not in seen:
                seen.add(r)
                todo.extend(requires[r])
        return seen

    todo = set(order)
    current = list(heads)
    above = [ancestors(h) for h in current]
    output: list[str] = []
    index = 0
    while current:
        candidate = current[index]
        for other, seen in enumerate(above):
            if other != index and candidate in seen:
                index = other
                break
        else:
            if candidate in todo:
                output.append(candidate)
                todo.remove(candidate)
            add = [r for r in requires[candidate] if r in todo and r not in current]
            if not add:
                del current[index]
                del above[index]
                index = max(index - 1, 0)
            elif not own[candidate] and len(downs[candidate]) == 1:
                current[index] = add[0]
                above[index].discard(candidate)
            else:
                current[index] = add[0]
                current.extend(add[1:])
                above[index] = ancestors(add[0])
                above.extend(ancestors(h) for h in add[1:])
    return output[::-1]


def _revision(parsed: _Parsed, down: tuple[str, ...]) -> Revision:
    first = parsed.doc.split("\n\n")[0].strip() if parsed.doc else ""
    return Revision(
        id=str(parsed.values["revision"]),
        message=first.splitlines()[0] if first else "",
        path=parsed.path,
        checksum=hashlib.sha256(parsed.data).hexdigest(),
        down=down,
        destructive=b"pgwarden: destructive" in parsed.data,
    )
