"""Which Python runs the project: the ``python`` setting, else its virtualenv, Poetry or uv environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import SourceError

__all__ = ["Interpreter", "find_interpreter"]


@dataclass(frozen=True)
class Interpreter:
    """A project's Python executable and where pgwarden learned of it, for messages."""

    path: Path
    found_by: str
    """``python = ...`` in the config, ``$VIRTUAL_ENV``, ``.venv``, ``venv``, ``poetry``."""

    @property
    def is_own(self) -> bool:
        """Whether this is the interpreter pgwarden itself runs on (the models can load in-process)."""
        # Not resolved: a virtualenv's python is a symlink to the same base binary as pgwarden's.
        path = self.path.absolute()
        return path == Path(sys.executable).absolute() or path.parent.parent == Path(sys.prefix).absolute()


def _python_in(env: Path) -> Path | None:
    for candidate in (env / "bin" / "python", env / "Scripts" / "python.exe"):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def find_interpreter(
    root: Path, configured: str | None, *, environ: Mapping[str, str] | None = None
) -> Interpreter | None:
    """The project's interpreter, ``None`` when it has no environment pgwarden can find.

    Order: the ``python`` setting (a path, relative to ``root``, or a command on the
    PATH); ``$VIRTUAL_ENV``; ``.venv`` and ``venv`` in ``root``; ``$UV_PROJECT_ENVIRONMENT``;
    Poetry's environment for a ``[tool.poetry]`` project.
    """
    env = os.environ if environ is None else environ
    if configured:
        return _configured(root, configured)
    virtual_env = env.get("VIRTUAL_ENV")
    if virtual_env:
        found = _python_in(Path(virtual_env))
        if found is not None:
            return Interpreter(found, "$VIRTUAL_ENV")
    for name in (".venv", "venv"):
        found = _python_in(root / name)
        if found is not None:
            return Interpreter(found, name)
    uv_env = env.get("UV_PROJECT_ENVIRONMENT")
    if uv_env:
        found = _python_in(root / uv_env)
        if found is not None:
            return Interpreter(found, "$UV_PROJECT_ENVIRONMENT")
    return _poetry(root)


def _configured(root: Path, configured: str) -> Interpreter:
    path = Path(configured).expanduser()
    if not path.is_absolute() and (os.sep in configured or "/" in configured):
        path = root / path
    elif not path.is_absolute():
        on_path = shutil.which(configured)
        path = Path(on_path) if on_path else root / path
    if path.is_dir():  # a virtualenv folder rather than its interpreter
        inside = _python_in(path)
        if inside is not None:
            return Interpreter(inside, "`python` in the config")
    if not path.is_file() or not os.access(path, os.X_OK):
        raise SourceError(
            f"The project interpreter `{configured}` (the `python` setting) does not exist or is not "
            f"executable ({path}); point `python` at the Python of the environment your service runs in."
        )
    return Interpreter(path, "`python` in the config")


def _poetry(root: Path) -> Interpreter | None:
    pyproject = root / "pyproject.toml"
    poetry = shutil.which("poetry")
    if poetry is None or not pyproject.is_file():
        return None
    try:
        if "[tool.poetry" not in pyproject.read_text(encoding="utf-8"):
            return None
        done = subprocess.run(
            [poetry, "env", "info", "--path"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except (OSError, UnicodeDecodeError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0 or not done.stdout.strip():
        return None
    found = _python_in(Path(done.stdout.strip()))
    return Interpreter(found, "poetry") if found is not None else None
