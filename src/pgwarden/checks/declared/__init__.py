"""Declared objects (``[[expect.*]]`` in the config) checked against a schema: one module per kind.

Unlike the expected-schema sources, declarations do not describe the whole schema:
each one names an object the service relies on (the trigger that creates chat rooms,
the index a hot query needs) and says what must be true of it. The checks are pure:
they read a ``Schema`` (and, for server settings, what ``checks.live_settings`` read).
"""

from __future__ import annotations

from ...catalog.model import Schema
from ...expectations import Expectations
from ...findings import Finding
from .constraint import check_constraint
from .extension import check_extension
from .function import check_function
from .grant import LiveGrants, check_grants
from .index import check_index
from .server_setting import LiveSetting, check_settings
from .trigger import check_trigger

__all__ = ["LiveGrants", "LiveSetting", "check", "check_grants", "check_settings"]


def check(expect: Expectations, schema: Schema) -> list[Finding]:
    """One finding per declaration that ``schema`` does not satisfy; ``[]`` when all hold."""
    findings: list[Finding] = []
    for trigger in expect.triggers:
        findings += check_trigger(trigger, schema)
    for function in expect.functions:
        findings += check_function(function, schema)
    for index in expect.indexes:
        findings += check_index(index, schema)
    for extension in expect.extensions:
        findings += check_extension(extension, schema)
    for constraint in expect.constraints:
        findings += check_constraint(constraint, schema)
    return findings
