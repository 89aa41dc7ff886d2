"""Log sources as streams of byte blocks: files (plain or gzip), stdin, ``journalctl`` and ``docker logs``."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import IO, cast

from .errors import LogSourceError
from .events import cut_point

__all__ = ["BLOCK", "LogSource", "blocks", "read_range", "split_ranges", "is_gzip"]

BLOCK = 8 << 20
"""Bytes read at a time: large enough that per-block costs vanish, small enough for a flat RSS."""
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class LogSource:
    kind: str
    """``file``, ``stdin``, ``journal`` or ``docker``."""
    name: str
    """The path, ``-``, the systemd unit or the container."""

    @property
    def label(self) -> str:
        return {"file": "{}", "stdin": "stdin", "journal": "journal of {}", "docker": "docker logs of {}"}[
            self.kind
        ].format(self.name)


def is_gzip(path: str) -> bool:
    with open(path, "rb") as f:
        return f.read(2) == _GZIP_MAGIC


def blocks(
    source: LogSource, *, since: datetime | None = None, stdin: IO[bytes] | None = None
) -> Iterator[memoryview]:
    """The source's bytes in blocks of up to ``BLOCK`` (views into a reused buffer, valid until the
    next block is asked for); ``LogSourceError`` when the source cannot be read."""
    if source.kind == "file":
        yield from _file_blocks(source.name)
    elif source.kind == "stdin":
        stream = stdin if stdin is not None else os.fdopen(0, "rb", closefd=False)
        yield from _stream_blocks(stream, "stdin")
    elif source.kind == "journal":
        cmd = ["journalctl", "-u", source.name, "-o", "short-iso", "--no-pager", "-q"]
        if since is not None:
            cmd += ["--since", since.astimezone().strftime("%Y-%m-%d %H:%M:%S")]
        yield from _command_blocks(cmd, "journalctl", f"the journal of unit {source.name!r}")
    elif source.kind == "docker":
        cmd = ["docker", "logs", "--timestamps"]
        if since is not None:
            cmd += ["--since", since.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")]
        yield from _command_blocks([*cmd, source.name], "docker", f"the logs of container {source.name!r}")
    else:  # pragma: no cover - the CLI builds sources
        raise ValueError(source.kind)


def _open_file(path: str) -> IO[bytes]:
    try:
        if os.path.isdir(path):
            raise LogSourceError(
                f"{path} is a folder, not a log file: pass the files in it (e.g. {path}/*.log)."
            )
        f = open(path, "rb")  # noqa: SIM115 - closed by the caller's generator
    except FileNotFoundError:
        raise LogSourceError(f"No log file {path}: check the path (use - to read standard input).") from None
    except PermissionError:
        raise LogSourceError(
            f"Cannot read {path}: permission denied; run as a user who can read it."
        ) from None
    except OSError as exc:
        raise LogSourceError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    if f.read(2) == _GZIP_MAGIC:
        f.close()
        return cast(IO[bytes], gzip.open(path, "rb"))
    f.seek(0)
    return f


def _file_blocks(path: str) -> Iterator[memoryview]:
    f = _open_file(path)
    with f:
        yield from _stream_blocks(f, path)


def _stream_blocks(stream: IO[bytes], what: str) -> Iterator[memoryview]:
    """Views into one reused buffer: each is valid until the next one is asked for."""
    view = memoryview(bytearray(BLOCK))
    while True:
        try:
            n = stream.readinto(view)  # type: ignore[attr-defined]
        except (EOFError, gzip.BadGzipFile, zlib.error):
            raise LogSourceError(
                f"{what} is a truncated or damaged gzip file: pgwarden read up to the damage and stopped; "
                "decompress what survives with `zcat` and pass that."
            ) from None
        except OSError as exc:
            raise LogSourceError(f"Cannot read {what}: {exc.strerror or exc}.") from None
        if not n:
            return
        yield view[:n]


def _command_blocks(cmd: list[str], tool: str, what: str) -> Iterator[memoryview]:
    if shutil.which(cmd[0]) is None:
        raise LogSourceError(
            f"Cannot read {what}: {tool} is not installed on this host; save the logs to a file where "
            f"{tool} runs and pass the file instead."
        )
    with tempfile.TemporaryFile() as errors:
        # docker logs writes the container's stderr to its own stderr: read both, in order.
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if tool == "docker" else errors,
            stdin=subprocess.DEVNULL,
        )
        assert proc.stdout is not None
        tail = b""
        try:
            for block in _stream_blocks(proc.stdout, what):
                tail = (tail + bytes(block[-2048:]))[-2048:]
                yield block
        finally:
            proc.stdout.close()
            code = proc.wait()
        if code != 0:
            errors.seek(0)
            said = (errors.read(4096) or tail).decode("utf-8", "replace").strip().splitlines()
            reason = said[-1] if said else f"exit status {code}"
            raise LogSourceError(f"Cannot read {what}: `{' '.join(cmd[:2])}` failed: {reason}")


def split_ranges(path: str, parts: int) -> list[tuple[int, int]]:
    """``parts`` byte ranges of a plain file, each starting at the head of an event."""
    size = os.path.getsize(path)
    cuts = [0]
    with open(path, "rb") as f:
        for k in range(1, parts):
            f.seek(size * k // parts)
            window = f.read(1 << 20)
            nl = window.find(b"\n")
            if nl < 0:
                continue
            # cut_point walks back from the window's end; take the first head after the newline instead
            probe = window[: nl + 1]
            rest = window[nl + 1 :]
            pos = nl + 1
            for line in rest.split(b"\n")[:400]:
                head = cut_point(probe + line + b"\n")
                if head == len(probe):
                    break
                probe += line + b"\n"
                pos += len(line) + 1
            cut = size * k // parts + pos
            if cut > cuts[-1] and cut < size:
                cuts.append(cut)
    cuts.append(size)
    return list(zip(cuts, cuts[1:], strict=False))


def read_range(path: str, start: int, end: int) -> Iterator[memoryview]:
    """``[start, end)`` of a plain file in blocks (views into a reused buffer)."""
    view = memoryview(bytearray(BLOCK))
    with open(path, "rb") as f:
        f.seek(start)
        left = end - start
        while left > 0:
            n = f.readinto(view[: min(BLOCK, left)])
            if not n:
                return
            left -= n
            yield view[:n]
