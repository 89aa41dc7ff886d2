"""Alembic revision scripts read through Alembic's own API: where they are, their order, ids and checksums.

Alembic is an optional extra (``pgwarden[alembic]``); inside a project's virtualenv the
project's own Alembic is the one imported. Revision modules are imported by Alembic to
read their ids; a ``print()`` at import time goes to stderr so pgwarden's output (and
``--format json``) stays clean.
"""

from __future__ import annotations

import contextlib
import hashlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import SourceError, UsageError
from .source import show_path

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

__all__ = ["Chain", "Revision", "find_alembic", "is_alembic", "load_chain", "quiet_stdout"]

_EXTRA = "Alembic is not installed: install it in this environment (`pip install 'pgwarden[alembic]'`)."


@dataclass(frozen=True)
class Revision:
    id: str
    message: str
    path: Path
    checksum: str
    """sha256 (hex) of the revision file's bytes."""
    down: tuple[str, ...]
    destructive: bool
    """The file says ``# pgwarden: destructive``: the data guard lets it drop rows."""

    @property
    def label(self) -> str:
        return f"{self.id} ({self.message})" if self.message else self.id


@dataclass(frozen=True)
class Chain:
    """Every revision of one Alembic environment, each after the revisions it builds on."""

    where: Path
    config: Any
    """The ``alembic.config.Config`` the chain was read with."""
    script: Any
    """Its ``alembic.script.ScriptDirectory``."""
    revisions: tuple[Revision, ...]
    heads: tuple[str, ...]

    def get(self, rev: str) -> Revision | None:
        return next((r for r in self.revisions if r.id == rev), None)

    def applied(self, current: tuple[str, ...]) -> set[str]:
        """Ids of the revisions a database at ``current`` has applied (those heads and their ancestors)."""
        done: set[str] = set()
        if not current:
            return done
        with quiet_stdout():
            for script in self.script.iterate_revisions(current, "base"):
                done.add(script.revision)
        return done


def is_alembic(path: Path) -> bool:
    """Whether ``path`` is an Alembic environment: an ``alembic.ini``, a ``pyproject.toml`` with
    ``[tool.alembic]``, or a script folder holding ``env.py`` and ``versions/`` (or an ``alembic.ini``)."""
    if path.is_file():
        return path.name.endswith(".ini") or (
            path.name == "pyproject.toml" and "[tool.alembic]" in _text(path)
        )
    return path.is_dir() and (
        (path / "alembic.ini").is_file() or ((path / "env.py").is_file() and (path / "versions").is_dir())
    )


def find_alembic(root: Path) -> Path | None:
    """The Alembic environment of the project at ``root``, for ``init`` and an unset ``migrations``."""
    for candidate in (root / "alembic.ini", root / "pyproject.toml"):
        if candidate.is_file() and is_alembic(candidate):
            return candidate
    for name in ("alembic", "migrations", "db/migrations"):
        if is_alembic(root / name):
            return root / name
    return None


def load_chain(path: Path) -> Chain:
    """Read the Alembic environment at ``path``; ``SourceError`` naming the file for anything broken."""
    config = _config(path)
    try:
        from alembic.script import ScriptDirectory
        from alembic.util import CommandError
    except ImportError:
        raise UsageError(_EXTRA) from None
    try:
        with quiet_stdout():
            script = ScriptDirectory.from_config(config)
            # Newest first from the heads; reversed, each revision follows every one it builds on.
            scripts = list(script.walk_revisions("base", "heads"))[::-1]
            heads = tuple(script.get_heads())
    except SyntaxError as exc:
        raise SourceError(
            f"{show_path(Path(exc.filename or path))}:{exc.lineno}: the revision does not parse ({exc.msg}): fix it."
        ) from None
    except CommandError as exc:
        raise SourceError(f"Alembic revisions in {show_path(path)}: {_first(exc)}.") from None
    except Exception as exc:  # a revision module raising at import: name it, never a traceback
        raise SourceError(f"Alembic revisions in {show_path(path)} cannot be read: {_where(exc)}") from None
    revisions = tuple(_revision(s) for s in scripts)
    return Chain(where=path, config=config, script=script, revisions=revisions, heads=heads)


def _revision(script: Any) -> Revision:
    path = Path(script.path)
    data = path.read_bytes()
    down = script.down_revision
    downs = () if down is None else (down,) if isinstance(down, str) else tuple(down)
    message = (script.doc or "").strip().splitlines()[0] if script.doc else ""
    return Revision(
        id=script.revision,
        message=message,
        path=path,
        checksum=hashlib.sha256(data).hexdigest(),
        down=downs,
        destructive=b"pgwarden: destructive" in data,
    )


def _config(path: Path) -> AlembicConfig:
    try:
        from alembic.config import Config
    except ImportError:
        raise UsageError(_EXTRA) from None
    if not path.exists():
        raise SourceError(
            f"Alembic environment {show_path(path)} does not exist: check `migrations` in the config."
        )
    if path.is_dir() and (path / "alembic.ini").is_file() and not (path / "env.py").is_file():
        path = path / "alembic.ini"
    if path.is_file() and path.name == "pyproject.toml":
        location = _pyproject_location(path)
        config = Config()
        config.set_main_option("script_location", str((path.parent / location).resolve()))
        return config
    if path.is_file():
        config = Config(str(path))
        if not config.get_main_option("script_location"):
            raise SourceError(f"{show_path(path)} has no `script_location` in its [alembic] section: add it.")
        return config
    config = Config()
    config.set_main_option("script_location", str(path))
    return config


def _pyproject_location(path: Path) -> str:
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib
    try:
        table = tomllib.loads(_text(path)).get("tool", {}).get("alembic", {})
    except tomllib.TOMLDecodeError as exc:
        raise SourceError(f"{show_path(path)} is not valid TOML ({exc}): fix it.") from None
    location = table.get("script_location")
    if not isinstance(location, str):
        raise SourceError(f"{show_path(path)}: [tool.alembic] has no `script_location`: add it.")
    return location.replace("%(here)s", str(path.parent))


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def _first(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return (lines[0] if lines else type(exc).__name__).rstrip(".")


def _where(exc: BaseException) -> str:
    """``file:line: Error: message`` for the innermost frame in a user's file, else the message."""
    tb = exc.__traceback__
    where = ""
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if "site-packages" not in name and "/pgwarden/" not in name and not name.startswith("<"):
            where = f"{show_path(Path(name))}:{tb.tb_lineno}: "
        tb = tb.tb_next
    return f"{where}{type(exc).__name__}: {_first(exc)}. Fix the file."


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """Whatever user code prints while it runs goes to stderr, never into pgwarden's output."""
    with contextlib.redirect_stdout(sys.stderr):
        yield
