"""The renderings of findings: text (rich), json, GitHub annotations and SARIF 2.1.0.

Above ``findings`` (the model) and ``_text`` (the terminal): neither imports this module.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import IO, Any

from . import __version__
from ._jsonout import dumps, plain_strings
from .findings import CHUNK, FORMATS, Finding, Severity, sort_findings, summarize, write_pieces
from .redact import json_sink, may_hide, redact

__all__ = ["FORMATS", "render", "to_sarif"]


def render(
    findings: Sequence[Finding],
    fmt: str,
    out: IO[str],
    *,
    color: bool | None = None,
    title: str = "",
    extra: dict[str, Any] | None = None,
) -> None:
    """Write ``findings`` to ``out`` in format ``fmt`` (one of ``FORMATS``)."""
    ordered = sort_findings(findings)
    if fmt == "json":

        def document(rows: Sequence[Any]) -> dict[str, Any]:
            doc = {"findings": rows, "summary": summarize(ordered)}
            return {**doc, **extra} if extra else doc

        def as_dicts() -> dict[str, Any]:
            return document([f.to_dict() for f in ordered])

        # orjson writes a Finding as its to_dict() (fields in order, the severity's value): the
        # findings go in as they are, not as thousands of dicts built to be written once
        doc = document(ordered)
        strings = _json_strings(ordered, doc, extra)
        if strings is None:
            write_pieces(out, _chunks(dumps(as_dicts(), plain=False)))
        else:
            _write_json(out, dumps(doc, plain=True, as_dicts=as_dicts), strings)
    elif fmt == "github":
        _render_github(ordered, out)
    elif fmt == "sarif":
        # a SARIF log is built of strings and integers: nothing for the check to find
        strings = []
        _write_json(out, dumps(to_sarif(ordered, strings=strings), plain=True), strings)
    else:
        from ._text import render_text  # rich: ~50 ms, only for the text format

        render_text(ordered, out, color=color, title=title)


def _json_strings(
    ordered: Sequence[Finding], doc: dict[str, Any], extra: dict[str, Any] | None
) -> list[str] | None:
    """Every string of the json format's ``doc`` (keys too), or ``None`` when it is not plain JSON."""
    # to_dict's other values are strings or None; what a finding carries besides is checked
    strings = plain_strings([[f.evidence for f in ordered], extra])
    if strings is None:
        return None
    strings += doc  # its keys; then those of a finding's and the summary's
    strings += ordered[0].to_dict() if ordered else ()
    strings += doc["summary"]
    for f in ordered:
        strings += (f.code, f.kind, f.severity.value, f.object, f.message, f.hint or "", f.fix_sql or "")
        strings.append(f.source)
    return strings


def _write_json(out: IO[str], text: str, strings: list[str]) -> None:
    """Write the JSON document ``text`` whose strings (keys too) are all among ``strings``; the
    redaction of ``out`` scans those strings once each instead of the document (``json_sink``)."""
    sink = json_sink(out, dumps(list(set(strings)), plain=True))  # in any order: each is scanned alone
    write_pieces(sink, _chunks(text))
    if sink is not out:
        sink.flush()


def _chunks(text: str) -> Iterator[str]:
    """``text`` and a newline in pieces of ``CHUNK`` characters: each written (and redacted) on its
    own. The pieces of ``text + "\n"``, without a copy of a report of megabytes to add a character."""
    for start in range(0, len(text) + 1, CHUNK):
        piece = text[start : start + CHUNK]
        yield piece + "\n" if start + CHUNK > len(text) else piece


def _gh_escape(text: str, *, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def _location(obj: str) -> tuple[str, int | None, int | None] | None:
    """``path.sql:3:7`` -> (path, 3, 7); ``None`` for database object names."""
    parts = obj.rsplit(":", 2)
    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        return parts[0], int(parts[1]), int(parts[2])
    if len(parts) >= 2 and parts[-1].isdigit():
        return ":".join(parts[:-1]), int(parts[-1]), None
    return None


def _render_github(findings: Sequence[Finding], out: IO[str]) -> None:
    write_pieces(out, _github_lines(findings))


def _github_lines(findings: Sequence[Finding]) -> Iterator[str]:
    level = {"error": "error", "warning": "warning", "info": "notice"}
    titles = [f"{f.code} {f.kind} {f.object}" for f in findings]
    bodies = [_github_body(f) for f in findings]
    # Escaping can hide a secret from the redaction of the lines written (``postgresql%3A//u%3Apw@``
    # in a title, ``%0Apassword=`` after a line break, a registered secret holding a ``%`` or ``,``):
    # the fields are redacted before it when one that escaping changes could need it. Titles escape
    # ``:`` (every file position has one), bodies only ``%`` and line breaks (few have any).
    escaped = [body for body in bodies if "%" in body or "\n" in body or "\r" in body]
    if may_hide("\n".join([*titles, *escaped])):
        titles = [redact(title) for title in titles]
        bodies = [redact(body) for body in bodies]
    files: dict[str, str] = {}  # each file escaped once: a large run has several findings a file
    for f, title, body in zip(findings, titles, bodies, strict=True):
        props = [f"title={_gh_escape(title, prop=True)}"]
        loc = _location(f.object)
        if loc:
            file = files.get(loc[0])
            if file is None:
                file = files[loc[0]] = _gh_escape(loc[0], prop=True)
            props.insert(0, f"file={file}")
            if loc[1]:
                props.insert(1, f"line={loc[1]}")
            if loc[2]:
                props.insert(2, f"col={loc[2]}")
        yield f"::{level[f.severity._value_]} {','.join(props)}::{_gh_escape(body)}\n"


def _github_body(f: Finding) -> str:
    body = f.message + (f" Hint: {f.hint}" if f.hint else "")
    return body + f"\nFix: {f.fix_sql}" if f.fix_sql else body


def to_sarif(findings: Sequence[Finding], *, strings: list[str] | None = None) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one run; rules are the distinct finding codes.

    ``strings``: given a list, every string of the log (keys too) is added to it. Findings of the
    same object share its ``locations`` (built once): the log is for writing out, not for editing.
    """
    rules: dict[str, dict[str, Any]] = {}
    results = []
    places: dict[str, list[dict[str, Any]]] = {}
    for f in findings:
        level = _SARIF_LEVELS[f.severity]
        if f.code not in rules:  # the first finding of each code describes its rule
            rules[f.code] = {
                "id": f.code,
                "name": f.kind,
                "shortDescription": {"text": f.kind.replace("_", " ")},
                "help": {"text": f"See pgwarden's documentation: {_docs_page(f)}."},
                "defaultConfiguration": {"level": level},
            }
        text = f.message + (f" {f.hint}" if f.hint else "")
        properties = {"kind": f.kind, "object": f.object, "source": f.source}
        if f.fix_sql:
            properties["fix_sql"] = f.fix_sql
        locations = places.get(f.object)
        if locations is None:  # several findings on one statement: ~3 a statement in a large run
            locations = places[f.object] = _sarif_locations(f.object)
        results.append(
            {
                "ruleId": f.code,
                "level": level,
                "message": {"text": text},
                "properties": properties,
                "locations": locations,
            }
        )
        if strings is not None:
            strings += (f.code, level, text, f.kind, f.object, f.source, f.fix_sql or "")
    if strings is not None:
        strings += _SARIF_KEYS
        for rule in rules.values():
            strings += (rule["id"], rule["name"], rule["shortDescription"]["text"], rule["help"]["text"])
            strings.append(rule["defaultConfiguration"]["level"])
        strings += (
            loc[0]["physicalLocation"]["artifactLocation"]["uri"]
            for loc in places.values()
            if "physicalLocation" in loc[0]
        )
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "pgwarden",
                        "version": __version__,
                        "rules": list(rules.values()),
                    }
                },
                "results": results,
            }
        ],
    }


_SARIF_KEYS = (
    *("$schema", "https://json.schemastore.org/sarif-2.1.0.json", "version", "2.1.0", "runs", "tool"),
    *("driver", "name", "pgwarden", __version__, "rules", "results", "id", "shortDescription", "text"),
    *("help", "defaultConfiguration", "level", "ruleId", "message", "properties", "kind", "object"),
    *("source", "fix_sql", "locations", "physicalLocation", "artifactLocation", "uri", "region"),
    *("startLine", "startColumn", "logicalLocations", "fullyQualifiedName"),
)
"""The strings of a SARIF log that no finding gives it (``to_sarif``'s ``strings``)."""


def _sarif_locations(obj: str) -> list[dict[str, Any]]:
    """Where a finding on ``obj`` is: a file region (``path.sql:3:7``) or a database object's name."""
    loc = _location(obj)
    if loc is None:
        return [{"logicalLocations": [{"fullyQualifiedName": obj}]}]
    region: dict[str, int] = {}
    if loc[1]:
        region["startLine"] = loc[1]
    if loc[2]:
        region["startColumn"] = loc[2]
    physical: dict[str, Any] = {"artifactLocation": {"uri": loc[0]}}
    if region:
        physical["region"] = region
    return [{"physicalLocation": physical}]


def _docs_page(f: Finding) -> str:
    """Lint rules are documented under docs/rules/, finding codes under docs/codes/."""
    return f"docs/rules/{f.code}.md" if f.source == "lint" else f"docs/codes/{f.code}.md"


_SARIF_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
