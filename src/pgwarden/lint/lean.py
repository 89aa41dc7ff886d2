"""A warm ``pgwarden lint`` answered before click, the CLI, the rules or pglast are imported.

The console entry (``pgwarden.__main__``) calls :func:`run` first. When the command line is a plain
``lint`` (the options below, paths) and stdout is a pipe or file taking UTF-8, the run's *head* names
an entry that the CLI wrote after an earlier run of the same command line (``cache.report_cached``).
The head covers everything besides the linted files that can change the output or the exit code:
the command line itself; the working directory; pgwarden's and pglast's code and the interpreter;
every configuration file the CLI could read (``pgwarden.toml`` and ``pyproject.toml`` here and in
each parent folder, ``alembic.ini`` here, the ``--config`` file); ``HOME`` and ``PGWARDEN_*``
variables; and the secrets redaction hides (a digest of the registered values, never the values).
The entry names the files that run linted with digests of the folder listings and of their
contents; when both still match, the stored report (redacted when it was written: it holds no
secret) is copied to stdout byte for byte and the run's exit code returned.

Anything else answers ``None`` and the CLI runs as usual: another option, a terminal, an output
encoding other than UTF-8, no entry or a damaged one, a changed, added or removed file.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import BinaryIO

from .inputs import code_stamp, files_digest, listing_digest

FORMAT = "pgwarden-lint-lean-1"

_GLOBAL_VALUES = ("--config",)
_GLOBAL_FLAGS = ("--no-color",)
_VALUES = ("--format", "--rule", "--exclude")
_FLAGS = ("--strict", "--assume-in-transaction", "--no-assume-in-transaction")
"""The options a plain ``lint`` may have: each changes only what the head covers."""

pending: str | None = None
"""The head of this process's command line when :func:`run` did not answer it: the CLI, running the
same command line next, stores an entry under it once the run's report is kept (``take_pending``)."""


def directory() -> Path:
    """Where lint's cache lives: ``$XDG_CACHE_HOME/pgwarden/lint`` (default ``~/.cache``)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "pgwarden" / "lint"


def run(argv: list[str], out: BinaryIO | None = None) -> int | None:
    """Write the stored report of ``pgwarden <argv>`` to ``out`` (default: stdout's bytes) and
    return its exit code, or ``None`` when this run is not one the cache answers this way."""
    global pending
    pending = None
    config = _plain_lint(argv)
    if config is None or os.name != "posix":
        return None
    if out is None:
        out = _stdout()
        if out is None:
            return None
    from ..paths import private_dir

    head = _head(argv, config)
    where = private_dir(directory())
    if head is None or where is None:
        return None
    code = _answer(where, head, out)
    if code is None:
        pending = head
    return code


def take_pending() -> str | None:
    """The head :func:`run` found no answer under (once: the next call says ``None``)."""
    global pending
    head, pending = pending, None
    return head


def _answer(where: Path, head: str, out: BinaryIO) -> int | None:
    entry = _entry(where / f"{head}.lean")
    if entry is None:
        return None
    targets, folders, listing, files, digest, report, code = entry
    if listing_digest(targets) != listing or files_digest(files, folders) != digest:
        return None
    try:
        stored = (where / report).open("rb")
    except OSError:
        return None  # evicted: nothing was written yet
    with stored:
        stored.readline()  # the exit codes: the entry holds this command line's
        try:
            while block := stored.read(1 << 20):
                out.write(block)
            out.flush()
        except OSError as exc:  # a closed pipe, a full disk: said in one line, as the CLI would
            sys.stderr.write(f"pgwarden: cannot write the report: {exc.strerror or exc}.\n")
            return 70
    return code


def _stdout() -> BinaryIO | None:
    """stdout's byte stream, when text written to stdout would be these bytes (UTF-8, no terminal)."""
    stream = sys.stdout
    buffer = getattr(stream, "buffer", None)
    encoding = str(getattr(stream, "encoding", "")).lower().replace("-", "").replace("_", "")
    if buffer is None or encoding != "utf8" or stream.isatty():
        return None
    return buffer  # type: ignore[no-any-return]


def _plain_lint(argv: list[str]) -> str | None:
    """The ``--config`` value ("" when none) of a plain ``lint`` command line, else ``None``."""
    config, i = "", 0
    while i < len(argv) and argv[i] != "lint":
        arg = argv[i]
        if arg in _GLOBAL_VALUES and i + 1 < len(argv):
            config, i = argv[i + 1], i + 2
        elif arg.startswith("--config="):
            config, i = arg.partition("=")[2], i + 1
        elif arg in _GLOBAL_FLAGS:
            i += 1
        else:
            return None
    if i == len(argv):
        return None
    i += 1
    while i < len(argv):
        arg = argv[i]
        if arg in _VALUES and i + 1 < len(argv):
            i += 2
        elif arg in _FLAGS or arg.partition("=")[0] in _VALUES and "=" in arg:
            i += 1
        elif arg.startswith("-"):
            return None  # --no-cache, --against, --help, a typo: the CLI decides
        else:
            i += 1  # a path
    return config


def _head(argv: list[str], config: str) -> str | None:
    """The head of this run (see the module's docstring), or ``None`` when something is in doubt."""
    from ..redact import register_environment, registered_digest

    try:
        cwd = os.getcwd()
        read = [
            _content(os.path.join(folder, name))
            for folder in _upwards(cwd)
            for name in ("pgwarden.toml", "pyproject.toml")
        ]
        read.append(_content(os.path.join(cwd, "alembic.ini")))
        if config:
            read.append(_content(os.path.join(cwd, os.path.expanduser(config))))
    except OSError:
        return None
    register_environment()  # as the CLI does first: the same values are hidden either way
    env = sorted((k, v) for k, v in os.environ.items() if k.startswith("PGWARDEN") or k == "HOME")
    head = {
        "format": FORMAT,
        "python": [sys.version, sys.executable],
        "code": code_stamp(),
        "cwd": cwd,
        "argv": argv,
        "config": read,
        "env": env,
        "secrets": registered_digest(),
    }
    return hashlib.sha256(json.dumps(head).encode()).hexdigest()


def _upwards(folder: str) -> list[str]:
    found = [folder]
    while (parent := os.path.dirname(found[-1])) != found[-1]:
        found.append(parent)
    return found


def _content(path: str) -> list[str]:
    """``path`` and the digest of its content, or what it is instead (missing, a folder)."""
    try:
        with open(path, "rb") as file:
            return [path, hashlib.sha256(file.read()).hexdigest()]
    except (FileNotFoundError, NotADirectoryError):
        return [path, "missing"]
    except IsADirectoryError:
        return [path, "folder"]


Entry = tuple[list[Path], list[Path], str, list[Path], str, str, int]


def _entry(path: Path) -> Entry | None:
    try:
        doc = json.loads(path.read_bytes())
        if doc["format"] != FORMAT:
            return None
        report, code = doc["report"], doc["code"]
        listing, digest = doc["listing"], doc["digest"]
        if not all(isinstance(v, str) for v in (report, listing, digest)) or type(code) is not int:
            return None
        if "/" in report or not report.endswith(".out"):
            return None
        return (
            [Path(p) for p in doc["targets"]],
            [Path(p) for p in doc["folders"]],
            listing,
            [Path(p) for p in doc["files"]],
            digest,
            report,
            code,
        )
    except (OSError, ValueError, TypeError, KeyError):
        return None  # missing or damaged: the CLI runs
