"""Migration files on disk: discovery, version order, checksums, directives and statement splitting.

A migrations folder holds ``NNN_description.sql`` files (``001_init.sql``,
``20240105120000_add_jobs.sql``), applied in increasing integer version. A file
may start with directive comments::

    -- pgwarden: no-transaction
    -- pgwarden: lock-timeout=5s statement-timeout=10min
    -- pgwarden: rerunnable

This module only reads files; applying them is the runner's job.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from pglast import parser

from ..errors import SourceError

__all__ = ["DIRECTIVES", "MigrationFile", "discover", "parse", "show_path", "statements"]

_FILENAME = re.compile(r"(?P<version>[0-9]+)_(?P<name>[^\s]+)\.sql")
_DIRECTIVE = re.compile(r"--\s*pgwarden\s*:(?!\s*ignore\b)(?P<rest>.*)", re.IGNORECASE)
_DURATION = re.compile(r"[0-9]+(?:\.[0-9]+)?\s*(?:us|ms|s|min|h|d)?")

DIRECTIVES = ("no-transaction", "lock-timeout=DURATION", "statement-timeout=DURATION", "rerunnable")
"""What a ``-- pgwarden:`` comment may say, as shown in error messages."""


@dataclass(frozen=True)
class MigrationFile:
    version: int
    name: str
    """The description after the version: ``add_jobs`` for ``006_add_jobs.sql``."""
    path: Path
    sql: str
    """The file's text, without a byte-order mark and with ``\\n`` line endings."""
    checksum: str
    """sha256 (hex) of ``sql``: unchanged by CRLF/LF conversion, changed by any other edit."""
    transactional: bool = True
    """False for ``-- pgwarden: no-transaction`` (e.g. ``CREATE INDEX CONCURRENTLY``)."""
    lock_timeout: str | None = None
    statement_timeout: str | None = None
    rerunnable: bool = False

    @property
    def filename(self) -> str:
        return self.path.name


def show_path(path: Path) -> str:
    """``path`` relative to the current directory when it lies below it, else as given."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def discover(folder: Path) -> list[MigrationFile]:
    """Every migration file in ``folder``, in version order; ``SourceError`` for anything ambiguous."""
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise SourceError(
            f"Migrations folder {show_path(folder)} {what}: check `migrations` in the config "
            "or the --migrations path."
        )
    by_version: dict[int, list[Path]] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix != ".sql" or path.name.startswith(".") or not path.is_file():
            continue
        match = _FILENAME.fullmatch(path.name)
        if match is None:
            raise SourceError(
                f"Migration file {show_path(path)} has no version: name migration files "
                "NNN_description.sql (e.g. 007_add_jobs.sql or 20240105120000_add_jobs.sql)."
            )
        by_version.setdefault(int(match["version"]), []).append(path)
    files: list[MigrationFile] = []
    for version in sorted(by_version):
        paths = by_version[version]
        if len(paths) > 1:
            names = " and ".join(show_path(p) for p in paths)
            raise SourceError(
                f"Migration files {names} share version {version}: give each file its own number."
            )
        files.append(parse(paths[0]))
    return files


def parse(path: Path) -> MigrationFile:
    """Read one migration file (its name must be ``NNN_description.sql``)."""
    match = _FILENAME.fullmatch(path.name)
    if match is None:
        raise SourceError(f"Migration file {show_path(path)} is not named NNN_description.sql.")
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            raw = fh.read()
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"Migration file {show_path(path)} is not UTF-8 text (byte {exc.start}): save it as UTF-8."
        ) from None
    except OSError as exc:
        raise SourceError(f"Cannot read migration file {show_path(path)}: {exc.strerror or exc}.") from None
    text = raw.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    options = _directives(text, path)
    return MigrationFile(
        version=int(match["version"]),
        name=match["name"],
        path=path,
        sql=text,
        checksum=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        transactional=not options.get("no-transaction", False),
        lock_timeout=_str_or_none(options.get("lock-timeout")),
        statement_timeout=_str_or_none(options.get("statement-timeout")),
        rerunnable=bool(options.get("rerunnable", False)),
    )


def _str_or_none(value: str | bool | None) -> str | None:
    return value if isinstance(value, str) else None


def _directives(text: str, path: Path) -> dict[str, str | bool]:
    """Parse ``-- pgwarden:`` lines of the leading comment block; reject them anywhere else."""
    options: dict[str, str | bool] = {}
    lines = text.split("\n")
    header_end = len(lines)
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("--"):
            header_end = number - 1
            break
        match = _DIRECTIVE.fullmatch(stripped)
        if match:
            _parse_directive(match["rest"], options, where=f"{show_path(path)}:{number}")
    for number, line in enumerate(lines[header_end:], start=header_end + 1):
        if _DIRECTIVE.fullmatch(line.strip()) and _is_comment_at(text, lines, number):
            raise SourceError(
                f"{show_path(path)}:{number}: a `-- pgwarden:` directive after the first statement "
                "is ignored by PostgreSQL and pgwarden alike: move it to the comment block at the top."
            )
    return options


def _is_comment_at(text: str, lines: list[str], number: int) -> bool:
    """Whether line ``number`` really holds a ``--`` comment (not text inside a string or body)."""
    start = sum(len(line) + 1 for line in lines[: number - 1])
    target = start + lines[number - 1].index("-")
    try:
        tokens = parser.scan(text)
    except parser.ParseError:
        return True
    # pglast reports token positions in characters, like Python's str indexes.
    return any(tok.start == target and tok.name == "SQL_COMMENT" for tok in tokens)


def _parse_directive(rest: str, options: dict[str, str | bool], *, where: str) -> None:
    words = rest.split()
    if not words:
        raise SourceError(f"{where}: empty `-- pgwarden:` directive; known: {', '.join(DIRECTIVES)}.")
    for word in words:
        key, eq, value = word.partition("=")
        key = key.lower()
        if key in ("no-transaction", "rerunnable"):
            if eq:
                raise SourceError(f"{where}: directive `{key}` takes no value; write `-- pgwarden: {key}`.")
            parsed: str | bool = True
        elif key in ("lock-timeout", "statement-timeout"):
            if not value or not _DURATION.fullmatch(value):
                raise SourceError(
                    f"{where}: `{word}` needs a duration PostgreSQL understands, "
                    f"e.g. `{key}=5s`, `{key}=500ms` or `{key}=10min`."
                )
            parsed = value
        else:
            raise SourceError(
                f"{where}: unknown directive `{word}` in a `-- pgwarden:` comment; "
                f"known: {', '.join(DIRECTIVES)}."
            )
        if key in options:
            raise SourceError(f"{where}: directive `{key}` is given twice; keep one.")
        options[key] = parsed


def statements(file: MigrationFile) -> list[tuple[int, str]]:
    """``file.sql`` cut into statements: ``(character offset, text)`` pairs, in order.

    Uses PostgreSQL's own parser (via pglast) so ``BEGIN ATOMIC`` bodies and
    dollar quotes stay whole. A file that does not parse is cut at the
    semicolons the scanner sees instead, so the server reports the syntax error
    at the right statement; one that cannot even be scanned is one statement.
    """
    text = file.sql
    try:
        slices = parser.split(text, with_parser=True, only_slices=True)
    except parser.ParseError:
        try:
            return _split_tokens(text)
        except parser.ParseError:
            stripped = text.strip()
            return [(text.index(stripped), stripped)] if stripped else []
    return [(s.start, text[s]) for s in slices]


def _split_tokens(text: str) -> list[tuple[int, str]]:
    # pglast's own scanner-based split drops statements that start with a non-keyword
    # (a misspelt command), which would hide the very error the server should report.
    found: list[tuple[int, str]] = []
    start: int | None = None
    end = 0
    atomic = 0  # nesting inside BEGIN ATOMIC ... END, where semicolons do not end the statement
    previous = ""
    for tok in parser.scan(text):
        if tok.name in ("SQL_COMMENT", "C_COMMENT"):
            continue
        if tok.name == "ASCII_59" and not atomic:
            if start is not None:
                found.append((start, text[start:end]))
            start, previous = None, ""
            continue
        if start is None:
            start = tok.start
        end = tok.end + 1
        if (tok.name == "ATOMIC" and previous == "BEGIN_P") or (atomic and tok.name == "CASE"):
            atomic += 1
        elif atomic and tok.name == "END_P":
            atomic -= 1
        previous = tok.name
    if start is not None:
        found.append((start, text[start:end]))
    return found
