"""The schema gate: an instance may become active only when migrations are at head and the contract holds.

``run_gate`` is synchronous (it reuses ``ensure_ready`` and the check it is given) and returns
the reasons the instance is not ready, an empty list when it may become active. The gate does
not know which check it runs: whoever composes it passes one ``FindingsProvider`` (the runtime
passes the contract check, see ``gate_child``). The Warden runs it in a short-lived child process
(``gate_driver``), so the long-running guardian never loads the catalog, diff and migration machinery.
"""

from __future__ import annotations

import logging

from ..config import Config
from ..db import connect
from ..errors import ScratchError, SourceError
from ..findings import Severity
from ..migrate import settings as migrate_settings
from ..migrate.errors import LockWaitExceeded, NotReady
from ..migrate.ready import ensure_ready, ready_on
from ..providers import Context, FindingsProvider
from .settings import RuntimeSettings

__all__ = ["run_gate"]

log = logging.getLogger("pgwarden.runtime")


def run_gate(
    cfg: Config,
    settings: RuntimeSettings,
    url: str,
    *,
    check: FindingsProvider | None,
    apply: bool | None = None,
) -> list[str]:
    """Why the database is not ready for this code (empty: it is).

    ``check`` runs when ``runtime.contract_check`` is on and a schema source is configured (None:
    no check). ``apply`` defaults to ``auto_migrate``.
    """
    reasons: list[str] = []
    apply = settings.auto_migrate if apply is None else apply
    look = cfg.migrations is not None and not apply  # migrations read, not applied
    checking = check is not None and settings.contract_check and cfg.has_schema_source
    if cfg.migrations is not None and apply:
        try:
            result = ensure_ready(
                url,
                cfg.migrations,
                apply=True,
                timeout=max(60.0, settings.ttl),
                settings=migrate_settings.from_config(cfg),
            )
            if result is not None and result.applied:
                log.warning("applied %d migration(s) before becoming ready", len(result.applied))
        except (NotReady, LockWaitExceeded) as exc:
            reasons.append(_not_ready(exc))
    if not (look or checking):
        return reasons
    # One login for the ledger's look and the contract check: each costs a remote database
    # several round trips, and the gate runs on every start.
    with connect(url, timeout=cfg.connect_timeout, autocommit=True) as conn:
        if look:
            assert cfg.migrations is not None
            try:
                ready_on(
                    conn,
                    cfg.migrations,
                    timeout=max(60.0, settings.ttl),
                    settings=migrate_settings.from_config(cfg),
                )
            except (NotReady, LockWaitExceeded) as exc:
                reasons.append(_not_ready(exc))
        if checking:
            assert check is not None
            try:
                found = check.findings(Context(cfg, url, conn))
            except (ScratchError, SourceError) as exc:
                reasons.append(f"the {check.name} check could not run: {exc}")
            else:
                errors = [f for f in found if f.severity is Severity.ERROR]
                if errors:
                    shown = "; ".join(f"{f.code} {f.object}: {f.message}" for f in errors[:3])
                    more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
                    reasons.append(
                        f"the {check.name} check found {len(errors)} error(s): {shown}{more}; run `pgwarden check` "
                        "to see them; drift older than pgwarden can be reviewed and accepted with "
                        "`pgwarden check --accept` (then only new drift blocks), or the gate's contract check "
                        "turned off with `[runtime] contract_check = false`"
                    )
    return reasons


def _not_ready(exc: NotReady | LockWaitExceeded) -> str:
    if isinstance(exc, LockWaitExceeded):
        return f"waiting for another migrator: {exc}"
    return f"migrations are not at head: {exc}"
