"""Where findings point: files shown relative to the working directory, byte offsets turned into
``path:line:col`` and source excerpts."""

from __future__ import annotations

import bisect
import os
import re
from pathlib import Path
from typing import Any

from .model import Statement

__all__ = ["Locator", "Shown", "show_path"]


def show_path(path: Path) -> str:
    """``path`` relative to the current directory when it lies below it, else as given.

    The same as ``pgwarden.migrate.source.show_path``, kept here so linting does not import
    the migration runner.
    """
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


class Shown:
    """``show_path`` for many files: the working directory and each folder are resolved once."""

    def __init__(self) -> None:
        try:
            cwd = str(Path.cwd().resolve())
        except OSError:
            cwd = ""
        self.prefix = cwd if cwd.endswith(os.sep) else cwd + os.sep
        self.folders: dict[Path, str] = {}

    def __call__(self, path: Path) -> str:
        if self.prefix == os.sep or os.path.islink(path):
            return show_path(path)
        folder = self.folders.get(path.parent)
        if folder is None:
            try:
                folder = self.folders[path.parent] = os.path.realpath(path.parent)
            except OSError:
                return show_path(path)
        resolved = os.path.join(folder, path.name)
        return resolved[len(self.prefix) :] if resolved.startswith(self.prefix) else str(path)


class Locator:
    """Byte offsets -> ``path:line:col`` (1-based, columns in characters) and source excerpts."""

    def __init__(self, path: str, data: bytes) -> None:
        self.path = path
        self.data = data
        self.ascii = data.isascii()
        self._newlines: list[int] | None = None

    def _line_number(self, line_start: int) -> int:
        if len(self.data) < 65536:
            return self.data.count(b"\n", 0, line_start) + 1
        # Large files: count lines once, not once per finding.
        if self._newlines is None:
            self._newlines = [m.start() for m in re.finditer(b"\n", self.data)]
        return bisect.bisect_left(self._newlines, line_start) + 1

    def line_col(self, offset: int) -> tuple[int, int, int]:
        offset = min(max(offset, 0), len(self.data))
        line_start = self.data.rfind(b"\n", 0, offset) + 1
        line = self._line_number(line_start)
        if self.ascii:
            col = offset - line_start + 1
        else:
            col = len(self.data[line_start:offset].decode("utf-8", "replace")) + 1
        return line, col, line_start

    def object(self, offset: int) -> str:
        line, col, _ = self.line_col(offset)
        return f"{self.path}:{line}:{col}"

    def evidence(self, offset: int, stmt: Statement | None) -> dict[str, Any]:
        return self.place(offset, stmt)[1]

    def place(self, offset: int, stmt: Statement | None) -> tuple[str, dict[str, Any]]:
        """``object`` and ``evidence`` together, locating the offset once."""
        line, col, line_start = self.line_col(offset)
        data = self.data
        end = data.find(b"\n", line_start)
        source_line = data[line_start : end if end >= 0 else len(data)].decode("utf-8", "replace")
        evidence: dict[str, Any] = {"line": line, "column": col, "source_line": source_line[:400]}
        if stmt is not None:
            text = data[stmt.start : stmt.start + stmt.length].decode("utf-8", "replace")
            evidence["statement"] = text if len(text) <= 400 else text[:400] + "…"
        return f"{self.path}:{line}:{col}", evidence
