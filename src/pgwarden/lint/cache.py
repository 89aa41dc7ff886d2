"""Lint results kept between runs, keyed by everything that decides them (like ruff's cache).

A run's findings are stored under a key made of: the content (SHA-256) of every file linted, its
path as given and as resolved, the working directory (findings name files relative to it), the
settings (rules, severities, transaction assumption, server version), pgwarden's version, and the
size and modification time of every source file of pgwarden and of pglast, so an upgrade or an edit
of either starts afresh. A miss lints the very bytes the key was made of (a file edited meanwhile
makes the next run's key differ); when some file had to be read again to lint it (beyond the bytes
kept), the files are hashed again first and a file that changed leaves nothing behind. The key
covers the whole run rather than each file because a rule may read what earlier files create
(``chain``).

The directory is ``$XDG_CACHE_HOME/pgwarden/lint`` (default ``~/.cache``), created private (0700).
It is not used when it belongs to another user or others may write to it: the findings it holds are
trusted as they are read (as JSON; nothing in it is executed).

Beside the findings, an entry keeps the reports written from them (``report_cached``): a hit of
the same key and the same rendering (format, title, the secrets redaction hides) writes the stored
text and exits as the run that wrote it, without building a finding. Reports are stored redacted.
A report also gets a ``lean`` entry: the command line that asked for it, answered next time before
the CLI is imported (``lean.py`` says what its key covers).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import IO, Any

import orjson

from .. import __version__, phases
from .._collector import cycle_collector_off
from .._jsonout import is_plain
from ..findings import CHUNK, Finding, Severity, exit_code
from ..paths import private_dir
from ..redact import already_redacted, redacting, registered_digest
from . import lean
from .engine import Settings, collect_files
from .inputs import code_stamp, files_digest, listing_digest, realpath
from .lean import directory

KEEP = 32
"""Entries kept; the least recently written go first."""

_FORMAT = "pgwarden-lint-cache-3"

_SEVERITIES = {s.value: s for s in Severity}


@cycle_collector_off()  # as report_cached
def lint_cached(
    paths: Sequence[Path],
    settings: Settings,
    lint: Callable[[Sequence[Path], Settings], list[Finding]],
    *,
    folders: Sequence[Path] = (),
    check: Callable[[Path], object] | None = None,
    files: Sequence[Path] | None = None,
    extra: dict[str, Any] | None = None,
    contents: dict[Path, bytes] | None = None,
) -> list[Finding]:
    """``lint(files, settings)`` for the files under ``paths``, or the findings of an earlier run with
    the same key: the same findings, in the same order, as linting again.

    ``check(folder)`` runs on each of ``folders`` before linting (``migrate``'s naming rules, which
    raise). A hit skips it: the key then holds each folder's ``.sql`` names, and the files it reads
    are among those hashed, so the same check passed on the same input before.
    ``files``: what the findings depend on when it is not the SQL files under ``paths`` (an Alembic
    environment's revisions and ``env.py``); ``extra``: more of the key (the Alembic version);
    ``contents``: as ``report_cached`` says.
    """
    files = collect_files(paths) if files is None else files
    key = _keys(files, settings, folders, extra, keep=contents)[0]
    where = private_dir(directory())
    as_hashed = _all_kept(files, contents)
    found = _findings(files, settings, lint, key, where, folders, check, extra, as_hashed)[0]
    if contents is not None:
        contents.clear()  # linted, or a hit: the bytes the key read are not needed any more
    return found


def _findings(
    files: Sequence[Path],
    settings: Settings,
    lint: Callable[[Sequence[Path], Settings], list[Finding]],
    key: str | None,
    where: Path | None,
    folders: Sequence[Path],
    check: Callable[[Path], object] | None,
    extra: dict[str, Any] | None,
    as_hashed: bool = False,
) -> tuple[list[Finding], bool]:
    """The findings under ``key`` or linted afresh (then stored), and whether ``key`` holds them.

    ``as_hashed``: ``lint`` lints the very bytes ``key`` was made of; else the files are hashed
    again after linting and a file that changed meanwhile leaves nothing behind."""
    if key is not None and where is not None:
        found = _load(where / f"{key}.json")
        if found is not None:
            return found, True
    if check is not None:
        for folder in folders:
            check(folder)
    found = lint(files, settings)
    if key is not None and where is not None and (as_hashed or _key(files, settings, folders, extra) == key):
        return found, _store(where, key, found)
    return found, False


def _all_kept(files: Sequence[Path], contents: dict[Path, bytes] | None) -> bool:
    """Whether the key left the bytes of every file in ``contents`` (none beyond ``KEEP_BYTES``)."""
    return contents is not None and all(path in contents for path in files)


@dataclass(frozen=True)
class Report:
    """A rendering of findings, and everything its text depends on besides them."""

    variant: str
    """Format, title and any other option of ``render``: part of the stored report's name."""
    render: Callable[[Sequence[Finding], IO[str]], None]


# The collector paused while the files are hashed, the findings kept and the report rendered:
# collections there walked every finding and module again (~8 ms of a cold run of 7,500 findings).
@cycle_collector_off()
def report_cached(
    paths: Sequence[Path],
    settings: Settings,
    lint: Callable[[Sequence[Path], Settings], list[Finding]],
    report: Report,
    out: IO[str],
    *,
    strict: bool = False,
    folders: Sequence[Path] = (),
    lean_head: str | None = None,
    contents: dict[Path, bytes] | None = None,
) -> int:
    """Write ``report.render`` of the findings of ``paths`` to ``out`` and return the exit code, as
    ``lint_cached`` and ``exit_code`` would; a hit of the same key and variant writes the stored text.

    The report is redacted as it is rendered (``out``'s own redaction is passed by): what is stored
    holds no secret, and its name covers which values were hidden. ``lean_head``: the head ``lean``
    found no entry under; once the report is kept, an entry is written there for the next run.
    ``contents``: where the key leaves the bytes of the files it reads; ``lint`` takes them from
    there, so its findings are of the very bytes the key was made of, and an edit while it runs
    changes the next run's key. Only when some file was beyond the bytes kept (read again by
    ``lint``) are the files hashed again before the findings are kept: a file edited meanwhile
    then leaves nothing behind.
    """
    listing = listing_digest(paths) if lean_head is not None else None  # before the files are listed
    files = collect_files(paths)
    key, digest = _keys(files, settings, folders, keep=contents)
    phases.mark(f"{len(files)} file(s) read and hashed")
    as_hashed = _all_kept(files, contents)
    where = private_dir(directory())
    variant = f"{report.variant}\n{registered_digest()}"
    name = f"{key}.{hashlib.sha256(variant.encode()).hexdigest()[:16]}.out"
    stored = _load_report(where / name) if key is not None and where is not None else None
    kept = stored is not None
    if contents is not None and kept:
        contents.clear()  # nothing is linted: the bytes the key read are not needed
        phases.mark("the report found in the cache")
    if stored is None:
        found, kept = _findings(files, settings, lint, key, where, folders, None, None, as_hashed)
        phases.mark(f"linted: {len(found)} finding(s)")
        with StringIO() as buffer:  # closed once its text is taken: one copy of the report held
            redacted = redacting(buffer)
            report.render(found, redacted)
            redacted.flush()
            text = buffer.getvalue()
        stored = (exit_code(found), exit_code(found, strict=True)), text
        del found, text  # the findings are not needed past here (large runs: hundreds of MB)
        phases.mark("report rendered")
        if kept and where is not None:
            kept = _store_report(where, name, stored)
            phases.mark("report kept" if kept else "report not kept")
    (code, strict_code), text = stored
    plain = already_redacted(out)
    for start in range(0, len(text), CHUNK):
        plain.write(text[start : start + CHUNK])
    result = strict_code if strict else code
    if kept and where is not None and lean_head is not None and listing is not None and digest is not None:
        entry = {
            "format": lean.FORMAT,
            "targets": [str(p) for p in paths],
            "folders": [str(p) for p in folders],
            "listing": listing,
            "files": [str(p) for p in files],
            "digest": digest,
            "report": name,
            "code": result,
        }
        with contextlib.suppress(OSError, TypeError):  # TypeError: a name orjson cannot write
            _write(where, f"{lean_head}.lean", [orjson.dumps(entry)])
    return result


def _load_report(path: Path) -> tuple[tuple[int, int], str] | None:
    try:
        with path.open("rb") as entry:
            code, strict_code = orjson.loads(entry.readline())
            if not (isinstance(code, int) and isinstance(strict_code, int)):
                return None
            return (code, strict_code), entry.read().decode("utf-8")
    except (OSError, ValueError, TypeError):
        return None  # missing or damaged: render afresh


def _store_report(where: Path, name: str, stored: tuple[tuple[int, int], str]) -> bool:
    """Keep a report; whether it was kept."""
    codes, text = stored
    # not kept when it cannot be written, or holds a lone surrogate (which UTF-8 cannot encode)
    try:
        # encoded a piece at a time: a report of 10,000 files is tens of megabytes
        pieces = (text[start : start + CHUNK].encode("utf-8") for start in range(0, len(text), CHUNK))
        _write(where, name, [orjson.dumps(list(codes)) + b"\n"], pieces)
    except (OSError, UnicodeEncodeError):
        return False
    return True


def _key(
    files: Sequence[Path],
    settings: Settings,
    folders: Sequence[Path] = (),
    extra: dict[str, Any] | None = None,
) -> str | None:
    return _keys(files, settings, folders, extra)[0]


def _keys(
    files: Sequence[Path],
    settings: Settings,
    folders: Sequence[Path] = (),
    extra: dict[str, Any] | None = None,
    keep: dict[Path, bytes] | None = None,
) -> tuple[str | None, str | None]:
    """The run's key, and the digest of its files (``inputs.files_digest``, which leaves the bytes
    it read in ``keep``, emptied first: it then holds what was hashed only) the key is made with."""
    if keep is not None:
        keep.clear()
    try:
        cwd = os.getcwd()
    except OSError:
        return None, None
    files_part = files_digest(files, folders, keep)
    if files_part is None:
        return None, None  # linting reports the unreadable file; such a run is not kept
    head = {
        "format": _FORMAT,
        "version": __version__,
        "code": code_stamp(),
        "cwd": cwd,
        "rules": [rule.id for rule in settings.rules],
        "severities": sorted((k, v.value) for k, v in settings.severities.items()),
        "assume_in_transaction": settings.assume_in_transaction,
        "postgres_version": settings.postgres_version,
        "files": files_part,
        **({"extra": extra} if extra else {}),
    }
    return hashlib.sha256(json.dumps(head, sort_keys=True).encode()).hexdigest(), files_part


_realpath = realpath


def _load(path: Path) -> list[Finding] | None:
    try:
        rows: list[list[Any]] = orjson.loads(path.read_bytes())
        return [
            Finding(code, kind, _SEVERITIES[severity], obj, message, hint, fix_sql, source, evidence)
            for code, kind, severity, obj, message, hint, fix_sql, source, evidence in rows
        ]
    except (OSError, ValueError, TypeError, KeyError):
        return None  # missing, or unreadable as an entry: lint afresh


def _store(where: Path, key: str, found: Sequence[Finding]) -> bool:
    """Keep ``found`` under ``key``; whether it was kept."""
    # what JSON gives back as it went in (a tuple comes back a list, which every renderer writes
    # the same way); anything else, floats included, is not kept
    if not (all(type(f.severity) is Severity for f in found) and is_plain([f.evidence for f in found])):
        return False
    try:
        # rows of fields in Finding's order: a third quicker to read back than objects with keys
        data = orjson.dumps(
            [
                (
                    f.code,
                    f.kind,
                    f.severity.value,
                    f.object,
                    f.message,
                    f.hint,
                    f.fix_sql,
                    f.source,
                    f.evidence,
                )
                for f in found
            ]
        )
        _write(where, f"{key}.json", [data])
    except (OSError, TypeError):  # TypeError: a str subclass orjson refuses
        return False  # a cache that cannot be written only costs the next run its speed
    return True


_SERIAL = itertools.count()


def _new_file(where: Path) -> tuple[int, Path]:
    """A file of its own in ``where`` (created now, private) to write an entry into before it is
    renamed into place: what ``tempfile.mkstemp`` makes, without importing it (with shutil, bz2, lzma
    and random: ~3 ms of a cold run). The directory is private, so the name need not be hard to guess;
    the process id and a counter keep two runs' names apart."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    while True:
        tmp = where / f".entry-{os.getpid()}-{next(_SERIAL)}"
        try:
            return os.open(tmp, flags, 0o600), tmp
        except FileExistsError:  # left behind by a killed run that had the same process id
            continue


def _write(where: Path, name: str, *parts: Iterable[bytes]) -> None:
    """Write an entry atomically, then drop the oldest entries of its kind beyond ``KEEP``
    (reports: ``KEEP`` per format a run is usually rendered in)."""
    fd, tmp = _new_file(where)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                out.writelines(part)
        os.replace(tmp, where / name)
    except BaseException:
        os.unlink(tmp)  # a half-written entry is never left behind
        raise
    suffix = name.rpartition(".")[2]
    pattern, keep = f"*.{suffix}", KEEP if suffix == "json" else 4 * KEEP
    entries = sorted(where.glob(pattern), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in entries[keep:]:
        old.unlink(missing_ok=True)
