"""Importing a project's models module with the project folder first on the path, leaving no trace."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .._projectio import import_root

__all__ = ["importing"]


@contextmanager
def importing(module_name: str, root: Path) -> Iterator[None]:
    """Import with ``root`` first on the path, writing no bytecode into the project.

    A package already imported from ``root`` (pgwarden running inside the service),
    or from outside it when ``root`` has no package of that name (an installed one),
    is reused. One imported from another project while ``root`` has its own is set
    aside, so a second project with the same module name in one process gets its
    own models; whatever this import adds to ``sys.modules`` is removed afterwards.
    """
    top = module_name.partition(".")[0]
    root = import_root(root, module_name)  # src layout: the package lives in root/src

    def in_package(name: str) -> bool:
        return name == top or name.startswith(top + ".")

    existing = sys.modules.get(top)
    set_aside: dict[str, Any] = {}
    if existing is not None and not _lives_in(existing, root) and _has_package(root, top):
        set_aside = {n: m for n, m in sys.modules.items() if in_package(n)}
        for name in set_aside:
            del sys.modules[name]
    hermetic = existing is None or bool(set_aside)
    entry = str(root)
    sys.path.insert(0, entry)
    importlib.invalidate_caches()
    dont_write_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        yield
    finally:
        sys.dont_write_bytecode = dont_write_bytecode
        if entry in sys.path:
            sys.path.remove(entry)
        if hermetic:
            for name in [n for n in sys.modules if in_package(n)]:
                del sys.modules[name]
            sys.modules.update(set_aside)


def _has_package(root: Path, top: str) -> bool:
    return (root / f"{top}.py").is_file() or (root / top).is_dir()


def _lives_in(module: Any, root: Path) -> bool:
    files = [getattr(module, "__file__", None), *list(getattr(module, "__path__", []) or [])]
    base = root.resolve()
    return any(isinstance(f, str) and Path(f).resolve().is_relative_to(base) for f in files)
