"""Schema as versioned, diff-friendly JSON: the format of snapshot files and backup manifests.

The document is ``{"format": "pgwarden-snapshot", "version": 1, "pgwarden": ...,
"server_version": ..., "schema": {...}}``. Object keys follow the model's field
order; collections keyed by name are sorted by name (code-point order, so the
file does not depend on a database's collation); ordered collections (columns,
enum labels, key columns) keep their order. Every field is written, so a file
only changes where the schema does.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import tempfile
import types
import typing
from pathlib import Path
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

import orjson

from .. import __version__
from ..errors import SourceError
from ..paths import show_path
from . import model
from .model import Schema

FORMAT = "pgwarden-snapshot"
VERSION = 1

_T = TypeVar("_T")

# Collections whose order carries no meaning, and the key that orders them in the file.
_SORT_KEYS: dict[tuple[type, str], Any] = {
    (Schema, "schemas"): lambda s: s,
    (Schema, "tables"): lambda t: (t.schema, t.name),
    (Schema, "views"): lambda v: (v.schema, v.name),
    (Schema, "sequences"): lambda s: (s.schema, s.name),
    (Schema, "enums"): lambda e: (e.schema, e.name),
    (Schema, "domains"): lambda d: (d.schema, d.name),
    (Schema, "functions"): lambda f: f.qualname,
    (Schema, "extensions"): lambda e: e.name,
    (Schema, "collations"): lambda c: (c.schema, c.name),
    (Schema, "composite_types"): lambda c: (c.schema, c.name),
    # Kept for the record; a snapshot never judges them (``Schema.privileges_read`` is not stored).
    (Schema, "grants"): lambda g: (g.target, g.object, g.grantee, g.privilege),
    (Schema, "owners"): lambda o: (o.target, o.object),
    (Schema, "default_privileges"): lambda d: (d.role, d.schema or "", d.on, d.grantee, d.privilege),
    (model.Table, "constraints"): lambda c: c.name,
    (model.Table, "indexes"): lambda i: i.name,
    (model.Table, "triggers"): lambda t: t.name,
    (model.Table, "policies"): lambda p: p.name,
    (model.View, "indexes"): lambda i: i.name,
    (model.View, "triggers"): lambda t: t.name,
    (model.Domain, "constraints"): lambda c: c,
}


class _Invalid(Exception):
    """A field of the document is missing or has the wrong type; ``where`` is its JSON path."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where = where
        self.problem = problem


# --- writing ---------------------------------------------------------------------------


def dumps(schema: Schema) -> str:
    """The snapshot document for ``schema``: JSON, indent 2, trailing newline."""
    # orjson writes the same bytes as json.dumps(indent=2, ensure_ascii=False) (a test holds them
    # equal) several times faster, and writes the plain dataclasses itself (see _native); what it
    # refuses (an integer beyond 64 bits, a lone surrogate) the standard library still writes.
    try:
        return orjson.dumps(_document(schema, native=True), option=orjson.OPT_INDENT_2).decode() + "\n"
    except orjson.JSONEncodeError:
        return json.dumps(_document(schema, native=False), indent=2, ensure_ascii=False) + "\n"


def _document(schema: Schema, *, native: bool) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "pgwarden": __version__,
        "server_version": schema.server_version,
        "schema": _encode(schema, native),
    }


@functools.cache
def _layout(cls: type) -> tuple[tuple[str, Any], ...]:
    """(field name, sort key or None) of the fields of dataclass ``cls`` a document holds, in order.

    ``server_version`` (compare=False) lives at the top of the document instead."""
    return tuple((f.name, _SORT_KEYS.get((cls, f.name))) for f in dataclasses.fields(cls) if f.compare)


@functools.cache
def _native(cls: type) -> bool:
    """Whether orjson writes an object of dataclass ``cls`` exactly as ``_encode`` would: every field,
    in order, none sorted or left out, and nothing else in its ``__dict__`` (orjson writes that:
    a ``cached_property`` would add a key). Columns, indexes and constraints are most of a
    document; orjson writes them without a call into Python per object."""
    if any(key is not None for _, key in _layout(cls)) or len(_layout(cls)) != len(dataclasses.fields(cls)):
        return False
    return not any(
        isinstance(attr, functools.cached_property) for klass in cls.__mro__ for attr in vars(klass).values()
    )


def _encode(obj: Any, native: bool = False) -> Any:
    """``obj`` as JSON-ready lists and dicts: a dataclass as a dict of its fields, tuples as lists.
    With ``native``, a dataclass orjson writes alike (``_native``) is left to orjson."""
    if isinstance(obj, (tuple, list)):
        return [_encode(item, native) for item in obj]
    if not dataclasses.is_dataclass(obj) or isinstance(obj, type):
        return obj
    if native and _native(type(obj)):
        return obj
    out: dict[str, Any] = {}
    for name, key in _layout(type(obj)):
        value = getattr(obj, name)
        if isinstance(value, (tuple, list)):
            out[name] = [
                _encode(item, native) for item in (sorted(value, key=key) if key is not None else value)
            ]
        elif isinstance(value, (str, int)) or value is None:  # most fields: no call needed
            out[name] = value
        else:
            out[name] = _encode(value, native)
    return out


def write(schema: Schema, path: Path) -> None:
    """Write the snapshot atomically: readers see the old file or the new one, never half of one."""
    text = dumps(schema)
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise SourceError(
            f"Cannot write snapshot file {show_path(path)}: {exc.strerror or exc}; "
            "check that its folder exists and is writable."
        ) from None


# --- reading ---------------------------------------------------------------------------


def loads(text: str, *, path: Path) -> Schema:
    """The ``Schema`` in a snapshot document; ``SourceError`` naming ``path`` when it is not one."""
    where = show_path(path)
    redo = "regenerate it with `pgwarden snapshot`"
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(
            f"Snapshot file {where} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            f"fix it or {redo}."
        ) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise SourceError(
            f'{where} is not a pgwarden snapshot (it lacks "format": "{FORMAT}"); '
            f"point the snapshot setting at the right file or {redo}."
        )
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise SourceError(f"Snapshot file {where} has an unknown format version {version!r}; {redo}.")
    if version > VERSION:
        written_by = doc.get("pgwarden")
        writer = f"pgwarden {written_by}" if isinstance(written_by, str) else "a newer pgwarden"
        raise SourceError(
            f"Snapshot file {where} has format version {version}, written by {writer}; this pgwarden "
            f"({__version__}) reads version {VERSION}: upgrade pgwarden or {redo}."
        )
    try:
        server_version = _decode(doc.get("server_version"), int | None, "server_version")
        if "schema" not in doc:
            raise _Invalid("schema", "missing")
        schema = _decode_object(doc["schema"], Schema, "schema")
    except _Invalid as exc:
        raise SourceError(f"Snapshot file {where} is damaged: `{exc.where}` {exc.problem}; {redo}.") from None
    return dataclasses.replace(schema, server_version=server_version)


def _decode(value: Any, tp: Any, where: str) -> Any:
    origin = get_origin(tp)
    if origin is Literal:
        allowed = get_args(tp)
        if value not in allowed:
            raise _Invalid(where, f"is {value!r}, expected one of {', '.join(map(repr, allowed))}")
        return value
    if origin in (Union, types.UnionType):
        # The model only has ``X | None`` unions.
        options = get_args(tp)
        if value is None and type(None) in options:
            return None
        (inner,) = (o for o in options if o is not type(None))
        return _decode(value, inner, where)
    if origin is tuple:
        if not isinstance(value, list):
            raise _Invalid(where, f"must be a list, got {_json_type(value)}")
        args = get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(item, args[0], f"{where}[{i}]") for i, item in enumerate(value))
        if len(value) != len(args):
            raise _Invalid(where, f"must have {len(args)} items, got {len(value)}")
        return tuple(
            _decode(item, a, f"{where}[{i}]") for i, (item, a) in enumerate(zip(value, args, strict=True))
        )
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _decode_object(value, tp, where)
    if tp is bool:
        if not isinstance(value, bool):
            raise _Invalid(where, f"must be true or false, got {_json_type(value)}")
        return value
    if tp is int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise _Invalid(where, f"must be an integer, got {_json_type(value)}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise _Invalid(where, f"must be a string, got {_json_type(value)}")
        return value
    raise TypeError(f"snapshot: no decoder for {tp!r} at {where}")  # a pgwarden bug, not bad input


def _decode_object(value: Any, cls: type[_T], where: str) -> _T:
    if not isinstance(value, dict):
        raise _Invalid(where, f"must be an object, got {_json_type(value)}")
    known = _fields(cls)
    for key in value:
        if key not in known:
            raise _Invalid(f"{where}.{key}", "is not a known field")
    kwargs: dict[str, Any] = {}
    for name, (hint, required) in known.items():
        if name not in value:
            if required:
                raise _Invalid(f"{where}.{name}", "is missing")
            continue
        kwargs[name] = _decode(value[name], hint, f"{where}.{name}")
    return cls(**kwargs)


_FIELDS: dict[type, dict[str, tuple[Any, bool]]] = {}


def _fields(cls: type) -> dict[str, tuple[Any, bool]]:
    """Field name -> (resolved type, required) for the fields a snapshot stores."""
    known = _FIELDS.get(cls)
    if known is None:
        hints = typing.get_type_hints(cls)
        known = _FIELDS[cls] = {
            f.name: (
                hints[f.name],
                f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
            )
            for f in dataclasses.fields(cls)
            if f.compare  # server_version (compare=False) lives at the top of the document
        }
    return known


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    if isinstance(value, list):
        return "a list"
    return "an object"


def read(path: Path) -> Schema:
    """The ``Schema`` in the snapshot file at ``path``; ``SourceError`` naming the file when it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourceError(
            f"Snapshot file {show_path(path)} does not exist: create it with `pgwarden snapshot` "
            "or fix the snapshot path."
        ) from None
    except UnicodeDecodeError:
        raise SourceError(
            f"Snapshot file {show_path(path)} is not UTF-8 text; regenerate it with `pgwarden snapshot`."
        ) from None
    except OSError as exc:
        raise SourceError(f"Cannot read snapshot file {show_path(path)}: {exc.strerror or exc}.") from None
    return loads(text, path=path)
