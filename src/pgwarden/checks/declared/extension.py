"""``[[expect.extensions]]``: the extension is installed (at the declared version)."""

from __future__ import annotations

from psycopg import sql

from ...catalog.model import Schema
from ...expectations import ExpectExtension
from ...findings import Finding
from ._common import as_evidence, drift_finding


def check_extension(expect: ExpectExtension, schema: Schema) -> list[Finding]:
    declared = as_evidence(expect)
    found = schema.extension_map.get(expect.name)
    ident = sql.Identifier(expect.name)
    if found is None:
        return [
            drift_finding(
                "missing_extension",
                expect.name,
                f"Extension {expect.name} is not installed, so the types and functions it provides are missing.",
                "Install it (the statement below needs a role allowed to create extensions).",
                fix=sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(ident),
                expected=declared,
                actual=None,
            )
        ]
    if expect.version is not None and found.version != expect.version:
        return [
            drift_finding(
                "extension_version_mismatch",
                expect.name,
                f"Extension {expect.name} is at version {found.version}, but {expect.version} is declared.",
                "Update it (the statement below; the server must have that version's files), or update "
                "`version` in [[expect.extensions]].",
                fix=sql.SQL("ALTER EXTENSION {} UPDATE TO {}").format(ident, sql.Literal(expect.version)),
                expected=declared,
                actual={"name": found.name, "version": found.version, "schema": found.schema},
            )
        ]
    return []
