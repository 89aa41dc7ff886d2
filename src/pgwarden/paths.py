"""How pgwarden names a file in a message: relative to the working directory when it lies below it."""

from __future__ import annotations

from pathlib import Path


def show_path(path: Path) -> str:
    """``path`` relative to the current directory when it lies below it, else as given."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)
