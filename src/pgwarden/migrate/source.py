"""Migration files on disk: discovery, version order, checksums, directives and statement splitting.

A migrations folder holds ``NNN_description.sql`` files (``001_init.sql``,
``20240105120000_add_jobs.sql``), applied in increasing integer version. A file
may start with directive comments::

    -- pgwarden: no-transaction
    -- pgwarden: lock-timeout=5s statement-timeout=10min
    -- pgwarden: rerunnable
    -- pgwarden: destructive -- the legacy_jobs table was exported to S3 on 2024-05-01

Other tools' layouts are read too (``formats``, ``names``): only a file's up part
is kept in ``MigrationFile.sql``; down files and Flyway undo files are never run.

This module only reads files; applying them is the runner's job.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import SourceError
from .formats import FormatError, split
from .names import Name, parse_name

__all__ = ["DIRECTIVES", "MigrationFile", "discover", "parse", "show_path", "statements"]

_FILENAME = re.compile(r"(?P<version>[0-9]+)_(?P<name>[^\s]+)\.sql")
_DIRECTIVE = re.compile(r"--\s*pgwarden\s*:(?!\s*ignore\b)(?P<rest>.*)", re.IGNORECASE)
_MENTION = re.compile(r"pgwarden", re.IGNORECASE)
_DURATION = re.compile(r"[0-9]+(?:\.[0-9]+)?\s*(?:us|ms|s|min|h|d)?")

DIRECTIVES = (
    "no-transaction",
    "lock-timeout=DURATION",
    "statement-timeout=DURATION",
    "rerunnable",
    "destructive -- REASON",
)
"""What a ``-- pgwarden:`` comment may say, as shown in error messages."""


@dataclass(frozen=True)
class MigrationFile:
    version: int
    name: str
    """The description after the version: ``add_jobs`` for ``006_add_jobs.sql``."""
    path: Path
    sql: str
    """The file's up part, without a byte-order mark and with ``\\n`` line endings; a down part in the
    same file is blanked out (spaces), so positions in ``sql`` are positions in the file."""
    checksum: str
    """sha256 (hex) of the whole file's text: unchanged by CRLF/LF conversion, changed by any other edit."""
    transactional: bool = True
    """False for ``-- pgwarden: no-transaction`` (e.g. ``CREATE INDEX CONCURRENTLY``)."""
    lock_timeout: str | None = None
    statement_timeout: str | None = None
    rerunnable: bool = False
    destructive: str | None = None
    """The reason given by ``-- pgwarden: destructive -- REASON``: the file means to drop rows."""
    tool: str = "plain"
    """Whose layout: ``plain``, ``aerich``, ``dbmate``, ``goose``, ``golang-migrate`` or ``flyway``."""
    down: str | None = None
    """Where the down part is (``line 12``, ``file 1_init.down.sql``), which pgwarden never runs."""

    @property
    def filename(self) -> str:
        return self.path.name


def show_path(path: Path) -> str:
    """``path`` relative to the current directory when it lies below it, else as given."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def discover(folder: Path, contents: Mapping[Path, bytes] | None = None) -> list[MigrationFile]:
    """Every migration file in ``folder``, in version order; ``SourceError`` for anything ambiguous.

    ``contents``: the bytes of files already read (``lint`` reads each file once), by path as
    ``folder / name``; the others are read here.
    """
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise SourceError(
            f"Migrations folder {show_path(folder)} {what}: check `migrations` in the config "
            "or the --migrations path."
        )
    by_version: dict[int, list[Path]] = {}
    others: dict[tuple[int, str], Path] = {}  # (version, role) of down and undo files
    layouts: dict[str, Path] = {}
    # scandir: whether an entry is a file comes with the listing, without a stat per file.
    with os.scandir(folder) as listing:
        found = [
            e.name for e in listing if e.name.endswith(".sql") and not e.name.startswith(".") and e.is_file()
        ]
    for path in (folder / n for n in sorted(found)):  # by name: the order Paths of one folder sort in
        name = _name(path)
        layouts.setdefault(name.layout, path)
        if name.role == "up":
            by_version.setdefault(name.version, []).append(path)
        else:
            others[(name.version, name.role)] = path
    if len(layouts) > 1:
        first, second = sorted(layouts.values())[:2]
        raise SourceError(
            f"Migrations folder {show_path(folder)} mixes file layouts ({show_path(first)} and "
            f"{show_path(second)}): keep one tool's naming in one folder."
        )
    for (version, role), path in sorted(others.items()):
        if version not in by_version:
            wanted = "up file" if role == "down" else "V file"
            raise SourceError(
                f"{show_path(path)} has no {wanted} of version {version}: pgwarden never runs {role} files; "
                "restore the forward migration or remove this file."
            )
    files: list[MigrationFile] = []
    for version in sorted(by_version):
        paths = by_version[version]
        if len(paths) > 1:
            names = " and ".join(show_path(p) for p in paths)
            raise SourceError(
                f"Migration files {names} share version {version}: give each file its own number."
            )
        file = parse(paths[0], None if contents is None else contents.get(paths[0]))
        down = others.get((version, "down")) or others.get((version, "undo"))
        if down is not None:
            file = replace(file, down=f"file {down.name}")
        files.append(file)
    tools = sorted({f.tool for f in files if f.tool in ("aerich", "dbmate", "goose")})
    if len(tools) > 1:
        examples = [next(show_path(f.path) for f in files if f.tool == t) for t in tools[:2]]
        raise SourceError(
            f"Migrations folder {show_path(folder)} mixes {tools[0]} and {tools[1]} files "
            f"({examples[0]} and {examples[1]}): keep one tool's format in one folder."
        )
    return files


def is_migrations_folder(folder: Path) -> bool:
    """Whether ``folder`` holds at least one ``.sql`` file named the way a migration is."""
    for path in folder.glob("*.sql"):
        try:
            if parse_name(path.name) is not None:
                return True
        except FormatError:
            return True
    return False


def _name(path: Path) -> Name:
    try:
        name = parse_name(path.name)
    except FormatError as exc:
        raise SourceError(f"Migration file {show_path(path)}: {exc}.") from None
    if name is None:
        raise SourceError(
            f"Migration file {show_path(path)} has no version: name migration files "
            "NNN_description.sql (e.g. 007_add_jobs.sql or 20240105120000_add_jobs.sql)."
        )
    return name


def parse(path: Path, data: bytes | None = None) -> MigrationFile:
    """Read one migration file (named as ``names`` describes); its up part only.

    ``data``: the file's bytes when they were read already.
    """
    name = _name(path)
    if name.role != "up":
        raise SourceError(f"{show_path(path)} is a {name.role} file, which pgwarden never runs.")
    try:
        if data is None:
            with path.open(encoding="utf-8", newline="") as fh:
                raw = fh.read()
        else:
            raw = data.decode("utf-8")  # what reading it so decodes, errors and all
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"Migration file {show_path(path)} is not UTF-8 text (byte {exc.start}): save it as UTF-8."
        ) from None
    except OSError as exc:
        raise SourceError(f"Cannot read migration file {show_path(path)}: {exc.strerror or exc}.") from None
    text = raw.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    try:
        sections = split(text)
    except FormatError as exc:
        raise SourceError(f"Migration file {show_path(path)} is not run: {exc}.") from None
    options = _directives(sections.up, path)
    tool = (
        sections.tool
        if sections.tool != "plain"
        else {"up-down": "golang-migrate", "flyway": "flyway"}.get(name.layout, "plain")
    )
    return MigrationFile(
        version=name.version,
        name=name.name,
        path=path,
        sql=sections.up,
        checksum=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        transactional=not options.get("no-transaction", False) and sections.transactional is not False,
        lock_timeout=_str_or_none(options.get("lock-timeout")),
        statement_timeout=_str_or_none(options.get("statement-timeout")),
        rerunnable=bool(options.get("rerunnable", False)),
        destructive=_str_or_none(options.get("destructive")),
        tool=tool,
        down=f"line {sections.down_line}" if sections.down_line else None,
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
    if _MENTION.search(text) is None:  # no directive can follow (most files): no line to look at
        return options
    for number, line in enumerate(lines[header_end:], start=header_end + 1):
        if _DIRECTIVE.fullmatch(line.strip()) and _is_comment_at(text, lines, number):
            raise SourceError(
                f"{show_path(path)}:{number}: a `-- pgwarden:` directive after the first statement "
                "is ignored by PostgreSQL and pgwarden alike: move it to the comment block at the top."
            )
    return options


def _is_comment_at(text: str, lines: list[str], number: int) -> bool:
    """Whether line ``number`` really holds a ``--`` comment (not text inside a string or body)."""
    from pglast import parser  # the SQL scanner (~0.1 s to import): only where a file needs it

    start = sum(len(line) + 1 for line in lines[: number - 1])
    target = start + lines[number - 1].index("-")
    try:
        tokens = parser.scan(text)
    except parser.ParseError:
        return True
    # pglast reports token positions in characters, like Python's str indexes.
    return any(tok.start == target and tok.name == "SQL_COMMENT" for tok in tokens)


def _parse_directive(rest: str, options: dict[str, str | bool], *, where: str) -> None:
    head, dashes, reason = rest.partition("--")
    if [w.lower() for w in head.split()[:1]] == ["destructive"]:
        if head.strip().lower() != "destructive" or not dashes or not reason.strip():
            raise SourceError(
                f"{where}: `-- pgwarden: destructive` needs a reason, on its own line: "
                "`-- pgwarden: destructive -- the rows were archived to jobs_2023 first`."
            )
        if "destructive" in options:
            raise SourceError(f"{where}: directive `destructive` is given twice; keep one.")
        options["destructive"] = reason.strip()
        return
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
    from pglast import parser

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
    from pglast import parser

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
