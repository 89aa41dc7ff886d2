"""``[[expect.functions]]``: the function exists with the declared arguments and body."""

from __future__ import annotations

from typing import Any

from ...catalog.model import Function, Schema
from ...expectations import ExpectFunction
from ...findings import Finding
from ._common import as_evidence, drift_finding, split_name, strip_call
from ._signature import same_arguments, same_hash


def check_function(expect: ExpectFunction, schema: Schema) -> list[Finding]:
    name, call_args = strip_call(expect.name)
    nsp, name = split_name(name, expect.schema)
    arguments = expect.arguments if expect.arguments is not None else call_args
    obj = f"{nsp}.{name}({arguments})" if arguments is not None else f"{nsp}.{name}"
    declared = as_evidence(expect)
    overloads = [f for f in schema.functions if f.schema == nsp and f.name == name]
    matching = [f for f in overloads if arguments is None or same_arguments(arguments, f.arguments)]
    if not matching:
        elsewhere = sorted(f.qualname for f in schema.functions if f.name == name and f.schema != nsp)
        if overloads:
            message = f"Function {obj} does not exist; only {', '.join(f.qualname for f in overloads)} does."
        else:
            message = f"Function {obj} does not exist, so triggers and queries that call it fail."
        hint = "Create it in a migration (CREATE OR REPLACE FUNCTION ...) and run the migrations."
        if elsewhere:
            hint += f" It exists as {', '.join(elsewhere)}: is `schema` right in [[expect.functions]]?"
        return [
            drift_finding(
                "missing_function",
                obj,
                message,
                hint,
                expected=declared,
                actual=[f.qualname for f in overloads] or None,
            )
        ]
    if expect.language is None and expect.body_hash is None:
        return []
    if any(_function_ok(expect, f) for f in matching):
        return []
    found = matching[0]
    differences = []
    if expect.language is not None and found.language != expect.language.lower():
        differences.append(f"is written in {found.language}, not {expect.language}")
    if expect.body_hash is not None and not same_hash(expect.body_hash, found.body_hash):
        differences.append(f"has body hash {found.body_hash[:12]}, not {expect.body_hash[:12]}")
    return [
        drift_finding(
            "function_changed",
            found.qualname,
            f"Function {found.qualname} {' and '.join(differences)}: it was changed since it was declared.",
            "Re-create it from the migration that defines it (CREATE OR REPLACE FUNCTION), or update "
            "[[expect.functions]] if the change is intended.",
            expected=declared,
            actual=[_function_facts(f) for f in matching],
        )
    ]


def _function_ok(expect: ExpectFunction, f: Function) -> bool:
    if expect.language is not None and f.language != expect.language.lower():
        return False
    return expect.body_hash is None or same_hash(expect.body_hash, f.body_hash)


def _function_facts(f: Function) -> dict[str, Any]:
    return {"function": f.qualname, "language": f.language, "body_hash": f.body_hash}
