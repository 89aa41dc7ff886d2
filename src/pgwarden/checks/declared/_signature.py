"""Matching a declared function signature against the one the catalog prints."""

from __future__ import annotations

import re

from ._common import strip_call

_TYPE_ALIASES = {
    "int": "integer",
    "int4": "integer",
    "int8": "bigint",
    "int2": "smallint",
    "float8": "double precision",
    "float": "double precision",
    "float4": "real",
    "bool": "boolean",
    "varchar": "character varying",
    "char": "character",
    "decimal": "numeric",
    "timestamp": "timestamp without time zone",
    "timestamptz": "timestamp with time zone",
    "time": "time without time zone",
    "timetz": "time with time zone",
    "varbit": "bit varying",
}
_MODES = {"in", "out", "inout", "variadic"}


def _split_args(arguments: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in arguments:
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        current += ch
    parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def _norm_type(text: str) -> str:
    text = re.sub(r"\([^)]*\)", "", text.lower())  # identity arguments never carry a typmod
    suffix = ""
    while text.rstrip().endswith("[]"):
        text = text.rstrip()[:-2]
        suffix += "[]"
    text = " ".join(text.split())
    return _TYPE_ALIASES.get(text, text) + suffix


def _arg_forms(arg: str) -> set[str]:
    """The ways one printed argument can be matched: with and without its name and mode."""
    words = arg.split()
    if words and words[0].lower() in _MODES:
        words = words[1:]
    forms = {_norm_type(" ".join(words))}
    if len(words) > 1:
        forms.add(_norm_type(" ".join(words[1:])))
    return forms


def same_arguments(declared: str, actual: str) -> bool:
    want, have = _split_args(declared), _split_args(actual)
    if len(want) != len(have):
        return False
    return all(_arg_forms(w) & _arg_forms(h) for w, h in zip(want, have, strict=True))


def same_hash(declared: str, actual: str) -> bool:
    want = declared.lower().removeprefix("sha256:").strip()
    have = actual.lower().removeprefix("sha256:")
    return want == have or (len(want) >= 8 and have.startswith(want))


def same_function(declared: str, actual: str) -> bool:
    name = strip_call(declared)[0]
    return name == actual if "." in name else name == actual.rsplit(".", 1)[-1]
