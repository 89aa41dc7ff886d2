"""``[[expect.settings]]``: a server setting has the declared value for every session, overrides included."""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql

from ...expectations import ExpectSetting
from ...findings import Finding
from ._common import as_evidence, drift_finding


@dataclass(frozen=True)
class LiveSetting:
    """A server setting as a new session of pgwarden's role sees it, and the overrides stored for it."""

    name: str
    value: str
    overrides: tuple[tuple[str | None, str | None, str], ...] = ()
    """``(role, database, value)`` of each ``ALTER ROLE/DATABASE ... SET`` (``None``: every role/database)."""


def check_settings(expected: tuple[ExpectSetting, ...], live: dict[str, LiveSetting]) -> list[Finding]:
    """One finding per declared setting that a session (this one, or another role's) would not see."""
    return [f for f in (_check_setting(e, live.get(e.name.strip().lower())) for e in expected) if f]


_WHY = {
    "session_replication_role": "with `replica`, ordinary triggers and foreign-key checks do not fire, "
    "so rows the triggers should create are silently missing",
}


def _same_value(declared: str, actual: str) -> bool:
    return declared.strip().strip("'").lower() == actual.strip().lower()


def _reset(role: str | None, database: str | None, name: str) -> sql.Composed:
    setting = sql.Identifier(name)
    if role and database:
        return sql.SQL("ALTER ROLE {} IN DATABASE {} RESET {}").format(
            sql.Identifier(role), sql.Identifier(database), setting
        )
    if role:
        return sql.SQL("ALTER ROLE {} RESET {}").format(sql.Identifier(role), setting)
    if database:
        return sql.SQL("ALTER DATABASE {} RESET {}").format(sql.Identifier(database), setting)
    return sql.SQL("ALTER ROLE ALL RESET {}").format(setting)


def _scope(role: str | None, database: str | None) -> str:
    who = f"role {role}" if role else "every role"
    return f"{who} in {'database ' + database if database else 'every database'}"


def _check_setting(expect: ExpectSetting, live: LiveSetting | None) -> Finding | None:
    name = expect.name.strip().lower()
    obj = f"setting.{name}"
    declared = as_evidence(expect)
    if live is None:
        return drift_finding(
            "setting_mismatch",
            obj,
            f"Setting {name} does not exist on this server, so it cannot be {expect.value!r}.",
            "Check the spelling of `name` in [[expect.settings]] (SHOW ALL lists the settings).",
            expected=declared,
            actual=None,
        )
    wrong = [(r, d, v) for r, d, v in live.overrides if not _same_value(expect.value, v)]
    here = not _same_value(expect.value, live.value)
    if not here and not wrong:
        return None
    problems = []
    if here:
        problems.append(f"is {live.value!r} in a new session")
    problems += [f"is set to {v!r} for {_scope(r, d)}" for r, d, v in wrong]
    why = _WHY.get(name)
    message = f"Setting {name} {'; '.join(problems)}, but {expect.value!r} is declared"
    message += f": {why}." if why else "."
    fixes: list[sql.Composable] = [_reset(r, d, name) for r, d, _ in wrong]
    if here and not any(_same_value(live.value, v) for _, _, v in wrong):
        fixes.append(
            sql.SQL("ALTER SYSTEM SET {} = {}").format(
                sql.Identifier(name), sql.Literal(expect.value.strip())
            )
        )
        fixes.append(sql.SQL("SELECT pg_reload_conf()"))
    hint = (
        "Reset the override with the statements below (a superuser may be needed), reconnect the service, "
        "and repair rows written meanwhile (invariants find them)."
    )
    return drift_finding(
        "setting_mismatch",
        obj,
        message,
        hint,
        fix=sql.SQL("; ").join(fixes) if fixes else None,
        expected=declared,
        actual={
            "value": live.value,
            "overrides": [{"role": r, "database": d, "value": v} for r, d, v in live.overrides],
        },
    )
