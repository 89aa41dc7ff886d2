"""Invariants: the model, and loading them from ``[[invariants]]`` and from ``.sql`` files with a header.

A ``.sql`` file (in the folder ``invariants_dir``) looks like::

    -- name: active-booking-has-chat-room
    -- severity: error
    -- description: Every active booking has a chat room
    -- error_if: > 0
    SELECT b.id AS booking_id, ... ;
    -- repair:
    INSERT INTO chat_rooms ... SELECT ... FROM violations ON CONFLICT DO NOTHING;

Header lines come first; the query follows; an optional ``-- repair:`` line starts the repair.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Config
from ..findings import Severity
from .errors import InvariantConfigError
from .kinds import KINDS, SpecError, build
from .thresholds import Threshold, parse_threshold

__all__ = ["Invariant", "load_invariants", "parse_file", "parse_entry"]

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]*")
DURATION = re.compile(r"[0-9]+(?:\.[0-9]+)?\s*(?:us|ms|s|min|h|d)?")
_COMMON = frozenset(
    {"name", "kind", "severity", "description", "hint", "warn_if", "error_if", "timeout", "sample", "repair"}
)
_SQL_KEYS = frozenset({"check", "population", "lag"})
_HEADER_KEYS = (
    "name",
    "severity",
    "description",
    "hint",
    "warn_if",
    "error_if",
    "timeout",
    "sample",
    "population",
    "lag",
)
_REPAIR_LINE = re.compile(r"\s*--\s*repair\s*:?\s*", re.IGNORECASE)
_HEADER_LINE = re.compile(r"\s*--\s*([a-z_]+)\s*:(.*)")


@dataclass(frozen=True)
class Invariant:
    """One data invariant: ``check`` returns the rows that break it, first column the key."""

    name: str
    check: str
    origin: str
    """Where it was written: ``pgwarden.toml: invariants[0]`` or a ``.sql`` file's path."""
    kind: str = "sql"
    target: str | None = None
    """The table a built-in kind is about (``public.bookings``)."""
    severity: Severity = Severity.ERROR
    description: str = ""
    hint: str = ""
    population: str | None = None
    warn_if: Threshold | None = None
    error_if: Threshold | None = None
    repair: str | None = None
    timeout: str = "30s"
    sample: int = 10
    lag: str | None = None

    @property
    def check_hash(self) -> str:
        """Identifies the check and repair text: a resumed repair must run the same statements."""
        text = f"{self.check}\x00{self.repair or ''}"
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    def judge(self, count: int, population: int | None) -> Severity | None:
        """The severity ``count`` violations earn, ``None`` when within the thresholds."""
        if self.warn_if is None and self.error_if is None:
            return self.severity if count > 0 else None
        if self.error_if is not None and self.error_if.met(count, population):
            return Severity.ERROR
        if self.warn_if is not None and self.warn_if.met(count, population):
            return Severity.WARNING
        return None


def clean_sql(text: str) -> str:
    """Cut trailing semicolons and comments, so the query can be wrapped as a subquery."""
    text = text.strip()
    if ";" not in text and "--" not in text and "/*" not in text:
        return text  # nothing to cut: the last token ends where the text does
    from pglast.parser import ParseError, scan  # the SQL scanner (~40 ms to import): only when needed

    try:
        tokens = scan(text)
    except ParseError:  # an unterminated string: the server will say so, naming the invariant
        tokens = []
    ends = [t.end for t in tokens if t.name not in ("SQL_COMMENT", "C_COMMENT", "ASCII_59")]
    if ends:
        text = text[: max(ends) + 1]
    while text.endswith(";"):
        text = text[:-1].rstrip()
    return text


def _fail(where: str, key: str | None, message: str) -> InvariantConfigError:
    at = f"`{key}`" if key else "it"
    return InvariantConfigError(f"{where}: {at} {message}.")


def _str(value: Any, where: str, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, key, f"must be a non-empty string, got {value!r}")
    return value.strip()


def _settings(raw: Mapping[str, Any], *, where: str, keyed: str, name: str) -> dict[str, Any]:
    """Validate the keys every kind shares; ``keyed(key)`` spells a key for messages."""
    out: dict[str, Any] = {}

    def k(key: str) -> str:
        return f"{keyed}.{key}" if keyed else key

    if "severity" in raw:
        text = str(raw["severity"]).strip().lower()
        if text not in ("error", "warning", "info"):
            raise _fail(where, k("severity"), f"must be error, warning or info, got {raw['severity']!r}")
        out["severity"] = Severity(text)
    for key in ("description", "hint"):
        if key in raw:
            out[key] = _str(raw[key], where, k(key))
    for key in ("warn_if", "error_if"):
        if key in raw:
            try:
                out[key] = parse_threshold(raw[key])
            except ValueError as exc:
                raise _fail(where, k(key), f"of invariant {name!r}: {exc}") from None
    if "timeout" in raw:
        value = raw["timeout"]
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            value = f"{value}s"
        if not isinstance(value, str) or not DURATION.fullmatch(value.strip()):
            raise _fail(where, k("timeout"), f"= {value!r} is not a duration such as '30s' or '2min'")
        out["timeout"] = value.strip()
    if "sample" in raw:
        value = raw["sample"]
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1000:
            raise _fail(where, k("sample"), f"must be a whole number from 0 to 1000, got {value!r}")
        out["sample"] = value
    for key in ("repair", "population", "lag", "check"):
        if key in raw:
            out[key] = clean_sql(_str(raw[key], where, k(key)))
    return out


def _finish(name: str, values: dict[str, Any], *, where: str, keyed: str) -> Invariant:
    pct = [t for t in (values.get("warn_if"), values.get("error_if")) if t is not None and t.percent]
    if pct and not values.get("population"):
        key = f"{keyed}.population" if keyed else "population"
        raise _fail(
            where,
            key,
            f"is needed by invariant {name!r}: a percentage threshold is a share of the rows "
            "`population` counts (a query returning one number)",
        )
    return Invariant(name=name, **values)


def parse_entry(raw: Any, *, where: str, keyed: str) -> Invariant:
    """One ``[[invariants]]`` table; ``keyed`` is how messages spell it (``invariants[2]``)."""
    if not isinstance(raw, Mapping):
        raise _fail(where, keyed, "must be a table ([[invariants]] with name = ..., check = ...)")
    if "name" not in raw:
        raise _fail(where, f"{keyed}.name", "is missing: every invariant needs a name")
    name = _str(raw["name"], where, f"{keyed}.name")
    if not _NAME.fullmatch(name):
        raise _fail(where, f"{keyed}.name", f"= {name!r} may use only letters, digits, '-', '_', '.' and ':'")
    kind = str(raw.get("kind", "sql")).strip().lower().replace("-", "_")
    if kind != "sql" and kind not in KINDS:
        known = ", ".join(["sql", *KINDS])
        raise _fail(
            where, f"{keyed}.kind", f"of invariant {name!r} is {raw.get('kind')!r}; known kinds: {known}"
        )
    allowed = _COMMON | (_SQL_KEYS if kind == "sql" else KINDS[kind][1])
    for key in raw:
        if key not in allowed:
            raise _fail(
                where,
                f"{keyed}.{key}",
                f"is not a key of a {kind} invariant ({name!r}); known: {', '.join(sorted(allowed))}",
            )
    values = _settings(raw, where=where, keyed=keyed, name=name)
    if kind == "sql":
        if "check" not in values:
            raise _fail(
                where,
                f"{keyed}.check",
                f"is missing: invariant {name!r} needs a query whose rows are the violations "
                "(or a built-in `kind`)",
            )
    else:
        spec = {k: v for k, v in raw.items() if k not in _COMMON}
        try:
            built = build(kind, spec)
        except SpecError as exc:
            raise _fail(where, f"{keyed}.{exc.key}", f"({kind} invariant {name!r}): {exc}") from None
        values.update(check=built.check, kind=kind, target=built.target)
        if built.population:
            values["population"] = built.population
        if built.lag:
            values["lag"] = built.lag
    return _finish(name, {**values, "origin": f"{where}: {keyed}"}, where=where, keyed=keyed)


def parse_file(path: Path, *, shown: str | None = None) -> Invariant:
    """An invariant written as a ``.sql`` file: header comments, the check query, then ``-- repair:``."""
    where = shown or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvariantConfigError(f"Cannot read invariant file {where}: {exc}.") from None
    header: dict[str, Any] = {}
    body: list[str] = []
    repair: list[str] | None = None
    in_header = True
    for number, line in enumerate(text.splitlines(), start=1):
        if _REPAIR_LINE.fullmatch(line):
            if repair is not None:
                raise InvariantConfigError(f"{where}:{number}: a second `-- repair:` line; write one repair.")
            repair, in_header = [], False
            continue
        if in_header:
            match = _HEADER_LINE.fullmatch(line)
            if match:
                key, value = match[1], match[2].strip()
                if key not in _HEADER_KEYS:
                    raise InvariantConfigError(
                        f"{where}:{number}: unknown header key `{key}`; known: {', '.join(_HEADER_KEYS)} "
                        "and a `-- repair:` line before the repair SQL."
                    )
                if key in header:
                    raise InvariantConfigError(f"{where}:{number}: header key `{key}` is given twice.")
                header[key] = value
                continue
            if not line.strip() or line.lstrip().startswith("--"):
                continue
            in_header = False
        (body if repair is None else repair).append(line)
    name = header.pop("name", None) or path.stem
    if not _NAME.fullmatch(name):
        raise InvariantConfigError(
            f"{where}: the invariant name {name!r} may use only letters, digits, '-', '_', '.' and ':'; "
            "set `-- name:` in the header."
        )
    check = clean_sql("\n".join(body))
    if not check:
        raise InvariantConfigError(f"{where}: no check query after the header (invariant {name!r}).")
    raw: dict[str, Any] = {**header, "check": check}
    if repair is not None:
        if not clean_sql("\n".join(repair)):
            raise InvariantConfigError(f"{where}: `-- repair:` is followed by no SQL (invariant {name!r}).")
        raw["repair"] = "\n".join(repair)
    values = _settings(raw, where=where, keyed="", name=name)
    return _finish(name, {**values, "origin": where}, where=where, keyed="")


def load_invariants(cfg: Config) -> list[Invariant]:
    """Every invariant of ``cfg``: ``[[invariants]]`` first, then the files of ``invariants_dir``, by name."""
    found: list[Invariant] = []
    where = cfg.where
    entries = cfg.sections.get("invariants")
    if entries is not None:
        if not isinstance(entries, list):
            raise InvariantConfigError(
                f"{where}: `{cfg.prefix}invariants` must be an array of tables ([[invariants]])."
            )
        for i, raw in enumerate(entries):
            found.append(parse_entry(raw, where=where, keyed=f"{cfg.prefix}invariants[{i}]"))
    folder = cfg.sections.get("invariants_dir")
    if folder is not None:
        if not isinstance(folder, str) or not folder.strip():
            raise InvariantConfigError(f"{where}: `{cfg.prefix}invariants_dir` must be a folder name.")
        path = (cfg.root / Path(folder).expanduser()).resolve()
        if not path.is_dir():
            raise InvariantConfigError(
                f"{where}: `{cfg.prefix}invariants_dir` = {folder!r} is not a folder ({path}); "
                "create it or fix the path."
            )
        for file in sorted(path.glob("*.sql")):
            found.append(parse_file(file, shown=_show(file, cfg.root)))
    seen: dict[str, Invariant] = {}
    for inv in found:
        if inv.name in seen:
            raise InvariantConfigError(
                f"Invariant name {inv.name!r} is used twice ({seen[inv.name].origin} and {inv.origin}); "
                "rename one."
            )
        seen[inv.name] = inv
    return found


def _show(file: Path, root: Path) -> str:
    try:
        return str(file.relative_to(root))
    except ValueError:
        return str(file)
