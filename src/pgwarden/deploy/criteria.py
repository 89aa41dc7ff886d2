"""Incident 004's success criteria judged on one observation of the deployment (pure logic, no I/O).

Each ``Criterion`` is met, unmet (with what to do) or skipped (nothing configured to check it
with, and which flag or key would). ``judge`` never raises: an observation that could not be
made is an unmet criterion that names the host it could not reach.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..checks.instances import InstanceRow

__all__ = ["Criterion", "Observation", "judge", "same_version"]

PENDING_BACKLOG = 100


@dataclass(frozen=True)
class Criterion:
    name: str
    met: bool | None
    """None: skipped (not configured)."""
    detail: str
    todo: str = ""

    @property
    def state(self) -> str:
        return "skipped" if self.met is None else "met" if self.met else "unmet"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "state": self.state, "detail": self.detail, "todo": self.todo or None}


@dataclass(frozen=True)
class Observation:
    """What ``observe`` saw at ``now`` (epoch seconds); ``None`` fields were not looked at."""

    now: float
    name: str
    expected_version: str | None = None
    database_error: str | None = None
    database_unreachable: bool = False
    registered: bool = True
    instances: Sequence[InstanceRow] = ()
    migrations_configured: bool = False
    pending: Sequence[str] = ()
    unknown: Sequence[str] = ()
    telegram_error: str | None = None
    telegram_configured: bool = False
    token_env: str = "TELEGRAM_BOT_TOKEN"
    mode: str = "polling"
    expected_username: str | None = None
    expected_webhook: str | None = None
    me: dict[str, Any] | None = None
    me_error: str | None = None
    webhook: dict[str, Any] | None = None
    logs_configured: bool = False
    quiet_for: float = 0.0
    log_errors: Sequence[tuple[str, int, str]] = ()
    """``(signature id, count, title)`` of error signatures seen since the deployment started."""
    log_error: str | None = None
    synthetic: tuple[int | None, str] | None = None
    """``(HTTP status or None, what happened)`` of the synthetic update, when one was posted."""
    extra: dict[str, Any] = field(default_factory=dict)


def same_version(expected: str, actual: str) -> bool:
    """Equal, or one a prefix of the other of at least 7 characters (short and long git commits)."""
    a, b = expected.strip().lower(), actual.strip().lower()
    if a == b:
        return True
    short = min(len(a), len(b))
    return short >= 7 and (a.startswith(b) or b.startswith(a))


def active_of(obs: Observation) -> list[InstanceRow]:
    return [i for i in obs.instances if i.role == "active"]


def deployed_at(obs: Observation) -> float | None:
    """When the active instance started: the quiet window and "recent" errors count from there."""
    active = active_of(obs)
    return _epoch(active[0].started_at) if len(active) == 1 else None


def _epoch(when: datetime) -> float:
    return when.timestamp()


def judge(obs: Observation) -> list[Criterion]:
    """Every criterion, in the order an operator reads incident 004's checklist."""
    return [
        _version(obs),
        _migrations(obs),
        _gate(obs),
        _one_active(obs),
        _updates(obs),
        _identity(obs),
        _quiet(obs),
        *([_synthetic(obs)] if obs.synthetic is not None else []),
    ]


def _db_down(name: str, obs: Observation) -> Criterion | None:
    if obs.database_error:
        return Criterion(name, False, obs.database_error, "Make the database reachable from here (--db).")
    if not obs.registered:
        return Criterion(
            name,
            False,
            "No pgwarden instance has registered in this database.",
            "Start the service under `pgwarden run` (or the library's Warden) so it registers.",
        )
    return None


def _version(obs: Observation) -> Criterion:
    name = "version"
    if obs.expected_version is None:
        return Criterion(name, None, "Not checked: pass --version COMMIT (the commit you deployed).")
    down = _db_down(name, obs)
    if down:
        return down
    active = active_of(obs)
    if not active:
        return Criterion(name, False, "No active instance to compare.", "See `one_active`.")
    wrong = [i for i in active if not same_version(obs.expected_version, i.code_version)]
    if wrong:
        shown = ", ".join(f"{i.label} runs {i.code_version}" for i in wrong)
        return Criterion(
            name,
            False,
            f"{shown}, not {obs.expected_version}.",
            "The platform still runs the old build: check the deployed commit (a cached image, a "
            "failed build), redeploy it, and set PGWARDEN_CODE_VERSION if the image has no .git.",
        )
    return Criterion(name, True, f"The active instance runs {active[0].code_version}.")


def _migrations(obs: Observation) -> Criterion:
    name = "migrations"
    if not obs.migrations_configured:
        return Criterion(name, None, "Not checked: no `migrations` in the config.")
    down = _db_down(name, obs) if obs.database_error else None
    if down:
        return down
    if obs.unknown:
        return Criterion(
            name,
            False,
            f"The database has migrations this code does not know: {', '.join(obs.unknown)}.",
            "Newer code migrated this database: deploy that code, or the migrations folder it had.",
        )
    if obs.pending:
        shown = ", ".join(obs.pending[:5]) + (
            f" and {len(obs.pending) - 5} more" if len(obs.pending) > 5 else ""
        )
        return Criterion(
            name,
            False,
            f"{len(obs.pending)} migration(s) pending: {shown}.",
            "Run `pgwarden migrate up` (or let the gate apply them with `[runtime] auto_migrate = true`); "
            "`pgwarden migrate status` shows why one failed.",
        )
    return Criterion(name, True, "Migrations are at head.")


def _gate(obs: Observation) -> Criterion:
    name = "schema_gate"
    down = _db_down(name, obs)
    if down:
        return down
    active = active_of(obs)
    waiting = [
        i for i in obs.instances if i.role not in ("active", "gone", "stopped", "lost") and not i.ready
    ]
    if len(active) == 1 and active[0].ready:
        return Criterion(name, True, f"{active[0].label} passed the schema gate.")
    blocked = [i for i in active if not i.ready] or waiting
    if blocked:
        reasons = "; ".join(r for i in blocked[:2] for r in i.reasons[:2]) or "no reason recorded"
        return Criterion(
            name,
            False,
            f"{blocked[0].label} is not ready: {reasons}.",
            "Fix what the gate names (`pgwarden check`, `pgwarden migrate status`); the instance becomes "
            "active by itself once the gate passes.",
        )
    return Criterion(name, False, "No instance has passed the schema gate.", "See `one_active`.")


def _one_active(obs: Observation) -> Criterion:
    name = "one_active"
    down = _db_down(name, obs)
    if down:
        return down
    active = active_of(obs)
    if len(active) == 1:
        return Criterion(name, True, f"Exactly one active instance of {obs.name!r}: {active[0].label}.")
    if not active:
        alive = [i for i in obs.instances if i.role not in ("gone", "stopped")]
        return Criterion(
            name,
            False,
            f"No active instance of {obs.name!r} ({len(alive)} running, none holds the lease).",
            "Check that the new instance started (`pgwarden status`, the platform's logs) and why it waits.",
        )
    return Criterion(
        name,
        False,
        f"{len(active)} instances say they are active: {', '.join(i.label for i in active)}.",
        "Stop the stray one and make both use the same lease name and database (`pgwarden status`).",
    )


def _telegram_down(name: str, obs: Observation) -> Criterion | None:
    if not obs.telegram_configured:
        return Criterion(name, None, f"Not checked: no bot token in {obs.token_env} ([telegram] token_env).")
    if obs.telegram_error:
        return Criterion(name, False, obs.telegram_error, "Make the Bot API reachable from here.")
    if obs.me_error:
        return Criterion(name, False, obs.me_error, "Run `pgwarden doctor telegram` for the fix.")
    return None


def _updates(obs: Observation) -> Criterion:
    name = "updates"
    down = _telegram_down(name, obs)
    if down:
        return down
    info = obs.webhook or {}
    url = str(info.get("url") or "")
    pending = int(info.get("pending_update_count") or 0)
    if obs.mode == "webhook":
        if url != (obs.expected_webhook or ""):
            return Criterion(
                name,
                False,
                f"The webhook {'points at ' + url if url else 'is not set'}, not at {obs.expected_webhook}.",
                "The active instance owns setWebhook: check that it started in webhook mode with this URL.",
            )
        last = info.get("last_error_date")
        since = deployed_at(obs) or obs.now
        if isinstance(last, int | float) and last >= since:
            return Criterion(
                name,
                False,
                f"Telegram's last delivery failed {int(obs.now - last)} s ago: {info.get('last_error_message')}.",
                "Make the webhook answer 200 (`pgwarden doctor telegram` shows the error); Telegram retries.",
            )
        return Criterion(name, True, f"The webhook points at {url} with no error since the deployment.")
    if url:
        return Criterion(
            name,
            False,
            f"A webhook is set ({url}) while the bot polls: every getUpdates gets 409 Conflict.",
            "Delete the webhook (deleteWebhook) and find the deployment that set it.",
        )
    active = active_of(obs)
    if len(active) != 1 or active[0].seen_ago > active[0].ttl:
        return Criterion(name, False, "No live active instance is polling.", "See `one_active`.")
    if pending > PENDING_BACKLOG:
        return Criterion(
            name,
            False,
            f"{pending} updates wait at Telegram: polling is not keeping up.",
            "Check the active instance's logs for a stuck poller or blocking handlers.",
        )
    return Criterion(
        name, True, f"Polling: no webhook, {pending} update(s) waiting, {active[0].label} alive."
    )


def _identity(obs: Observation) -> Criterion:
    name = "identity"
    down = _telegram_down(name, obs)
    if down:
        return down
    actual = str((obs.me or {}).get("username") or "")
    if obs.expected_username is None:
        return Criterion(name, None, f"The token is @{actual}'s; set [telegram] username to check it.")
    if actual.lower() != obs.expected_username.lower():
        return Criterion(
            name,
            False,
            f"The token belongs to @{actual}, not @{obs.expected_username}.",
            "Put the expected bot's token in the service's environment (BotFather: /token).",
        )
    return Criterion(name, True, f"The bot is @{actual}.")


def _quiet(obs: Observation) -> Criterion:
    name = "quiet_logs"
    if not obs.logs_configured:
        return Criterion(name, None, "Not checked: pass --log FILE, --journal UNIT or --docker NAME.")
    if obs.log_error:
        return Criterion(name, False, obs.log_error, "Make the logs readable from here.")
    if obs.log_errors:
        shown = "; ".join(f"{count} × {title} ({sig})" for sig, count, title in obs.log_errors[:3])
        return Criterion(
            name,
            False,
            f"Errors since the deployment started: {shown}.",
            "Run `pgwarden doctor logs --since <deploy time>` for each one's fix.",
        )
    start = deployed_at(obs)
    quiet = obs.now - start if start is not None else 0.0
    if quiet < obs.quiet_for:
        return Criterion(
            name,
            False,
            f"No errors yet, but only {quiet:.0f} s of the {obs.quiet_for:.0f} s quiet window have passed.",
            "Wait: verify keeps watching until --deadline; give a deadline longer than --quiet-for.",
        )
    return Criterion(name, True, f"No error signatures in the logs for {quiet:.0f} s since the deployment.")


def _synthetic(obs: Observation) -> Criterion:
    assert obs.synthetic is not None
    status, what = obs.synthetic
    if status == 200:
        return Criterion("synthetic_update", True, f"The webhook answered 200 to a synthetic update: {what}")
    return Criterion(
        "synthetic_update",
        False,
        f"The webhook did not answer 200 to a synthetic update: {what}",
        "Check the route, the secret token (TELEGRAM_WEBHOOK_SECRET) and the handler's logs.",
    )
