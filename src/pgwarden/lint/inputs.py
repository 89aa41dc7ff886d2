"""What a lint run reads, and digests of it: the SQL files under its paths, their contents and real
paths, the names ``migrate``'s folder check reads, and the code that lints them.

Standard library only: the lean hit path (``lean``) checks these before anything heavy is imported,
and the results cache (``cache``) keys runs with the same digests.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path


def sql_files(folder: str) -> Iterator[os.DirEntry[str]]:
    """The files named ``*.sql`` under ``folder``, as ``Path.rglob("*.sql")`` finds them (folders
    behind symbolic links are not entered, unreadable ones skipped) but without a ``stat`` per file:
    the directory listing says what each entry is."""
    try:
        with os.scandir(folder) as listing:
            entries = list(listing)
    except PermissionError:
        return
    for entry in entries:
        if entry.name.endswith(".sql") and entry.is_file():
            yield entry
        if entry.is_dir() and not entry.is_symlink():
            yield from sql_files(entry.path)


KEEP_BYTES = 64 << 20
"""How much of the files read a run keeps to lint (and check) without reading them again; beyond
that they are read again one at a time, as a run of huge files would otherwise hold them all."""


def read_bytes(path: Path) -> bytes:
    """``path.read_bytes()`` through ``os`` directly: a run reads a thousand small files, for which
    the buffered file object's setup cost most of the time (~6 against ~10 ms for 1,000 files)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def listing_digest(paths: Sequence[Path]) -> str:
    """A digest of what ``collect_files(paths)`` decides from: each path's kind and, for a folder,
    the names of every ``.sql`` file under it (those the engine skips too: which it skips is decided
    by the name alone). Equal digests: the same files are linted, in the same order."""
    digest = hashlib.sha256()
    for path in paths:
        if path.is_dir():
            names = sorted(entry.path for entry in sql_files(str(path)))
            digest.update(b"\0d\0" + "\0".join([str(path), *names]).encode("utf-8", "surrogateescape"))
        else:
            kind = b"f" if path.is_file() else b"-"
            digest.update(b"\0" + kind + b"\0" + str(path).encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def files_digest(
    files: Sequence[Path], folders: Sequence[Path] = (), keep: dict[Path, bytes] | None = None
) -> str | None:
    """A digest of the files a run lints (each one's path as given and as resolved, and its content)
    and of the ``.sql`` names in each of ``folders`` (which ``migrate``'s check reads); ``None`` when
    a file cannot be read (linting reports it: such a run is not kept). ``keep``: where to leave
    the bytes read, by path (linting then reads each file once), up to ``KEEP_BYTES`` in all."""
    digest = hashlib.sha256()
    for folder in folders:
        names = "\0".join([str(folder), *sql_names(folder)])
        digest.update(("\0checked\0" + names).encode("utf-8", "surrogateescape"))
    folders_real: dict[str, str] = {}
    kept = 0 if keep is None else sum(map(len, keep.values()))
    for path in files:
        try:
            data = read_bytes(path)
        except OSError:
            return None
        if keep is not None and kept + len(data) <= KEEP_BYTES:
            keep[path] = data
            kept += len(data)
        named = f"\0{path}\0{realpath(path, folders_real)}\0{len(data)}\0"
        digest.update(named.encode("utf-8", "surrogateescape"))
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()


def realpath(path: Path, folders: dict[str, str]) -> str:
    """``os.path.realpath(path)``, each folder resolved once: a file that is no symbolic link
    resolves to its name in its folder's real path (one ``lstat`` instead of one per component)."""
    if os.path.islink(path):
        return os.path.realpath(path)
    folder, name = os.path.split(path)
    real = folders.get(folder)
    if real is None:
        real = folders[folder] = os.path.realpath(folder)
    return os.path.join(real, name)


def sql_names(folder: Path) -> list[str]:
    """The ``.sql`` entries directly in ``folder``: down files too, which ``check`` reads the names of."""
    try:
        return sorted(entry.name for entry in os.scandir(folder) if entry.name.endswith(".sql"))
    except OSError:
        return []


@functools.cache
def code_stamp() -> tuple[tuple[str, int, int], ...]:
    """(file, size, mtime) of every module of pgwarden and pglast: any change of code is a new key.
    Read once per process: the code a run imported is the code its results come from."""
    import importlib.util

    roots = [Path(__file__).resolve().parents[1]]
    spec = importlib.util.find_spec("pglast")
    if spec is not None and spec.origin:
        roots.append(Path(spec.origin).parent)
    stamp = []
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for name in sorted(filenames):
                if name.endswith((".py", ".so", ".sql", ".json")):
                    st = os.stat(os.path.join(dirpath, name))
                    stamp.append((os.path.join(dirpath, name), st.st_size, st.st_mtime_ns))
    return tuple(stamp)
