"""Run lint rules over files: read, parse, check, apply ignores, and turn hits into Findings."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from .._collector import cycle_collector_off
from ..errors import UsageError
from ..findings import Finding, Severity
from ..migrate.formats import FormatError, blank_lines, split
from ..migrate.names import parse_name
from ._parallel import lint_split, worth_forking
from .ignores import covers, find_ignores
from .inputs import KEEP_BYTES, read_bytes, sql_files
from .locator import Locator, Shown, show_path
from .model import ChainTables, Hit, Rule, Source, Statement, TableFacts
from .notices import down_part, file_problem, unused_ignores
from .parse import parse_file

__all__ = ["ENGINE_CODES", "Settings", "collect_files", "lint_file", "lint_paths", "lint_text"]

ENGINE_CODES = (
    "syntax-error",
    "unreadable-file",
    "unused-ignore",
    "server-error",
    "down-part",
    "unknown-section",
)
"""Finding codes the engine itself emits (documented in docs/rules/ like the rules)."""

MAX_FILE_BYTES = 256 * 1024 * 1024
"""Beyond this a file is reported, not linted: no migration should be that large."""

NEWEST_POSTGRES = 18
OLDEST_POSTGRES = 10
"""The server versions lint advice is written for (``[lint] postgres_version``)."""

_HEADER = re.compile(rb"--[ \t]*pgwarden[ \t]*:(?!ignore)([^\n]*)", re.IGNORECASE)


@dataclass(frozen=True)
class Settings:
    """Which rules run, at which severity, and what the runner does around a file."""

    rules: tuple[Rule, ...]
    severities: Mapping[str, Severity] = field(default_factory=dict)
    assume_in_transaction: bool = True
    """The migration runner wraps each file in a transaction unless it says ``no-transaction``."""
    postgres_version: int = NEWEST_POSTGRES
    """Major version of the server the migrations run on: some advice depends on it."""


def collect_files(paths: Sequence[Path]) -> list[Path]:
    """The ``.sql`` files named by ``paths`` (folders are searched recursively), in order."""
    files: list[Path] = []
    for path in paths:
        if path.is_file():  # first: the cache and the CLI pass the files they collected (one stat each)
            files.append(path)
        elif path.is_dir():
            found = sorted(
                Path(p)
                for p in sql_files(str(path))
                if not p.name.startswith(".") and not _never_runs(p.name)
            )
            if not found:
                raise UsageError(
                    f"{show_path(path)} holds no .sql files: pass a migrations folder or SQL files."
                )
            files.extend(found)
        else:
            raise UsageError(f"{show_path(path)} does not exist: pass a migrations folder or SQL files.")
    return files


def _never_runs(filename: str) -> bool:
    """Down files (``1_init.down.sql``) and Flyway undo files: another tool's rollback, not linted."""
    try:
        name = parse_name(filename)
    except FormatError:
        return False
    return name is not None and name.role != "up"


def lint_paths(
    paths: Sequence[Path],
    settings: Settings,
    tables: Mapping[str, TableFacts] | None = None,
    *,
    check: Callable[[], object] | None = None,
    contents: dict[Path, bytes] | None = None,
) -> list[Finding]:
    """Lint every SQL file under ``paths``; a broken file becomes a finding, never an exception.

    ``check()`` (``migrate``'s folder checks, which raise) runs first, or beside the linting when
    a forked child lints part of the files; when it raises, nothing is linted.
    ``contents``: the bytes of files read already (by the results cache's key), by path; the files
    are read into it (up to ``KEEP_BYTES`` in all) before ``check()`` runs, which may take them
    from there instead of reading them again.
    """
    files = collect_files(paths)
    shown = Shown()
    contents = {} if contents is None else contents
    kept = sum(map(len, contents.values()))
    for path in files:
        if path not in contents and kept < KEEP_BYTES:
            read = _read(path, shown(path))
            if isinstance(read, bytes) and kept + len(read) <= KEEP_BYTES:
                contents[path] = read
                kept += len(read)

    def lint_some(some: Sequence[Path]) -> list[Finding]:
        findings: list[Finding] = []
        for path in some:
            findings.extend(_lint_file(path, shown(path), settings, tables, None, contents))
        return findings

    with cycle_collector_off():
        if worth_forking(len(files)):
            from pglast import parser  # noqa: F401  # imported once, before the fork: the child has it

            found = lint_split(files, lint_some, before=check)
        else:
            if check is not None:
                check()
            found = lint_some(files)
        if tables is None:
            found = _with_chain(files, found, settings, shown, contents)
    return found


def _with_chain(
    files: Sequence[Path],
    found: list[Finding],
    settings: Settings,
    shown: Shown,
    contents: Mapping[Path, bytes],
) -> list[Finding]:
    """Lint again, knowing what the earlier files leave, the files where a rule said it did not know."""
    asking = [f for f in found if f.evidence.get("chain") == "unknown"]
    if not asking:
        return found
    by_shown = {shown(path): path for path in files}
    wanted: dict[Path, set[str]] = {}
    for f in asking:
        path = by_shown.get(f.object.rsplit(":", 2)[0])
        if path is not None:
            wanted.setdefault(path, set()).add(str(f.evidence.get("table", "")))
    from .chain import chain_for  # only a run with such a finding needs it (its regex: ~1.5 ms)

    chains = chain_for(files, wanted, contents)
    if not chains:
        return found
    again = {
        shown(path): _lint_file(path, shown(path), settings, None, chain, contents)
        for path, chain in chains.items()
    }
    replaced = set(again)
    result: list[Finding] = []
    for f in found:
        name = f.object.rsplit(":", 2)[0]
        if name in again:
            result.extend(again.pop(name))  # the file's new findings, where its old ones began
        elif name not in replaced:
            result.append(f)
    return result


def lint_file(
    path: Path,
    settings: Settings,
    tables: Mapping[str, TableFacts] | None = None,
    chain: ChainTables | None = None,
) -> list[Finding]:
    return _lint_file(path, show_path(path), settings, tables, chain, {})


def _lint_file(
    path: Path,
    shown: str,
    settings: Settings,
    tables: Mapping[str, TableFacts] | None,
    chain: ChainTables | None,
    contents: Mapping[Path, bytes],
) -> list[Finding]:
    data = contents.get(path)
    if data is None:
        read = _read(path, shown)
    elif len(data) > MAX_FILE_BYTES:  # read by the results cache's key, which reads any size
        read = _too_large(shown, len(data))
    else:
        read = data
    if not isinstance(read, bytes):
        return [read]
    return lint_bytes(shown, read, settings, tables, chain)


def _read(path: Path, shown: str) -> bytes | Finding:
    """The bytes of ``path``, or the finding that says why it is not linted."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return _too_large(shown, size)
        return read_bytes(path)
    except OSError as exc:
        return file_problem(shown, f"Cannot read {shown}: {exc.strerror or exc}.")


def _too_large(shown: str, size: int) -> Finding:
    return file_problem(
        shown,
        f"{shown} is {size // (1024 * 1024)} MB; pgwarden lints files up to "
        f"{MAX_FILE_BYTES // (1024 * 1024)} MB: split it into smaller migrations.",
    )


def lint_text(
    path: str,
    text: str,
    settings: Settings,
    tables: Mapping[str, TableFacts] | None = None,
    chain: ChainTables | None = None,
) -> list[Finding]:
    """Lint SQL given as a string (tests, examples); ``path`` only names it in findings.

    ``chain``: what earlier migrations leave (table -> columns), as a folder lint works it out.
    """
    return lint_bytes(path, text.encode("utf-8"), settings, tables, chain)


def lint_bytes(
    path: str,
    data: bytes,
    settings: Settings,
    tables: Mapping[str, TableFacts] | None = None,
    chain: ChainTables | None = None,
) -> list[Finding]:
    data = data.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return [file_problem(path, f"{path} is not UTF-8 text (byte {exc.start}): save it as UTF-8.")]
    extra: list[Finding] = []
    try:
        sections = split(text)
    except FormatError as exc:
        return [
            file_problem(path, f"{path} is not linted (nor run by `migrate up`): {exc}.", "unknown-section")
        ]
    if sections.down_lines is not None:
        # Only the up part runs: the down part is blanked byte for byte, so positions stay.
        data = blank_lines(data, sections.down_lines)
        extra.append(down_part(path, sections.tool, sections.down_lines[0] + 1))
    try:
        return _lint_parsed(path, data, settings, tables, chain) + extra
    except (RecursionError, orjson.JSONDecodeError):
        # PostgreSQL accepts expressions nested hundreds deep; its JSON parse tree then outgrows
        # the decoder and the rules' recursion. Say so instead of crashing.
        return [
            file_problem(
                path,
                f"{path} has a statement nested too deeply for pgwarden to analyse (PostgreSQL itself "
                "may accept it): split the expression, or leave this file out of the lint run.",
            )
        ]


def _lint_parsed(
    path: str,
    data: bytes,
    settings: Settings,
    tables: Mapping[str, TableFacts] | None,
    chain: ChainTables | None,
) -> list[Finding]:
    statements, problem = parse_file(data)
    findings: list[Finding] = []
    locator = Locator(path, data)
    if problem is not None:
        findings.append(
            Finding(
                code="syntax-error",
                kind="syntax-error",
                severity=Severity.ERROR,
                object=locator.object(problem.offset),
                message=f"PostgreSQL cannot parse this file: {problem.message}.",
                hint="Fix the syntax; statements after this point were not checked.",
                source="lint",
                evidence=locator.evidence(problem.offset, None),
            )
        )
    in_tx, timeouts = _directives(data)
    source = Source(
        path=path,
        statements=tuple(statements),
        in_transaction=in_tx and settings.assume_in_transaction,
        timeouts=timeouts,
        tables=tables,
        postgres_version=settings.postgres_version,
        chain=chain,
        data=data,
    )
    ignores = find_ignores(data, statements)
    # a rule is given only files holding a kind of statement it reports on (most look at one or two)
    kinds = source.by_tag
    rules = [rule for rule in settings.rules if rule.tags is None or not rule.tags.isdisjoint(kinds)]
    if not ignores:
        for rule in rules:
            for hit in rule.check(source):
                findings.append(_finding(rule, hit, settings, locator))
        return findings
    index = {id(s): i for i, s in enumerate(statements)}
    parents = _parents(statements)
    active = {r.id for r in settings.rules}
    for rule in rules:
        for hit in rule.check(source):
            position = index.get(id(hit.statement), -1)
            silenced = [ig for ig in ignores if covers(ig, rule.id, position, parents)]
            if silenced:
                for ig in silenced:
                    ig.used = True
                continue
            findings.append(_finding(rule, hit, settings, locator))
    findings.extend(unused_ignores(ignores, active, locator))
    return findings


def _finding(rule: Rule, hit: Hit, settings: Settings, locator: Locator) -> Finding:
    offset = hit.offset if hit.offset >= 0 else hit.statement.start
    severity = settings.severities.get(rule.id) or hit.severity or rule.severity
    where, evidence = locator.place(offset, hit.statement)
    evidence["rule"] = rule.id
    if hit.evidence:
        evidence.update(hit.evidence)
    return Finding(
        code=rule.id,
        kind=rule.id,
        severity=severity,
        object=where,
        message=hit.message,
        hint=rule.help,
        source="lint",
        evidence=evidence,
    )


def _parents(statements: Sequence[Statement]) -> dict[int, int]:
    """Index of each DO-block statement -> index of the DO statement around it."""
    parents: dict[int, int] = {}
    current = -1
    for i, stmt in enumerate(statements):
        if stmt.in_block:
            parents[i] = current
        else:
            current = i
    return parents


def _directives(data: bytes) -> tuple[bool, frozenset[str]]:
    """``-- pgwarden:`` directives of the file header: (runs in a transaction, timeouts set)."""
    in_tx = True
    timeouts: set[str] = set()
    for line in data[:4096].split(b"\n"):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith(b"--"):
            break
        match = _HEADER.match(stripped)
        if not match:
            continue
        for word in match.group(1).decode("utf-8", "replace").lower().split():
            if word == "no-transaction":
                in_tx = False
            elif word.startswith("lock-timeout="):
                timeouts.add("lock_timeout")
            elif word.startswith("statement-timeout="):
                timeouts.add("statement_timeout")
    return in_tx, frozenset(timeouts)
