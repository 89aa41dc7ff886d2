"""The schema gate: an instance may become active only when migrations are at head and the contract holds.

``run_gate`` is synchronous (it reuses ``ensure_ready`` and the check it is given) and returns
the reasons the instance is not ready, an empty list when it may become active. The gate does
not know which check it runs: whoever composes it passes one ``FindingsProvider`` (the runtime
passes the contract check, see ``gate_child``). The Warden runs it in a short-lived child process
(``gate_driver``), so the long-running guardian never loads the catalog, diff and migration machinery.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

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
    timeout = max(60.0, settings.ttl)
    contract = check if check is not None and settings.contract_check and cfg.has_schema_source else None
    look = cfg.migrations  # whether migrations are at head, read on the connection below
    if look is not None and apply:
        with _not_ready_into(reasons):
            result = ensure_ready(
                url, look, apply=True, timeout=timeout, settings=migrate_settings.from_config(cfg)
            )
            if result is not None and result.applied:
                log.warning("applied %d migration(s) before becoming ready", len(result.applied))
        look = None  # applied: nothing left to look at
    if look is None and contract is None:
        return reasons
    # One login for the migrations' look and the contract check: each costs a remote database
    # several round trips, and the gate runs on every start.
    with connect(url, timeout=cfg.connect_timeout, autocommit=True) as conn:
        if look is not None:
            with _not_ready_into(reasons):
                ready_on(conn, look, timeout=timeout, settings=migrate_settings.from_config(cfg))
        if contract is not None:
            reasons += _contract_reasons(contract, Context(cfg, url, conn))
    return reasons


@contextmanager
def _not_ready_into(reasons: list[str]) -> Iterator[None]:
    """Say in ``reasons`` why the block's wait for migrations at head found the database not ready."""
    try:
        yield
    except NotReady as exc:
        reasons.append(f"migrations are not at head: {exc}")
    except LockWaitExceeded as exc:
        reasons.append(f"waiting for another migrator: {exc}")


def _contract_reasons(check: FindingsProvider, ctx: Context) -> list[str]:
    """The contract check's errors as the reason the database is not ready; ``[]`` when it has none."""
    try:
        found = check.findings(ctx)
    except (ScratchError, SourceError) as exc:
        return [f"the {check.name} check could not run: {exc}"]
    errors = [f for f in found if f.severity is Severity.ERROR]
    if not errors:
        return []
    shown = "; ".join(f"{f.code} {f.object}: {f.message}" for f in errors[:3])
    more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
    return [
        f"the {check.name} check found {len(errors)} error(s): {shown}{more}; run `pgwarden check` "
        "to see them; drift older than pgwarden can be reviewed and accepted with "
        "`pgwarden check --accept` (then only new drift blocks), or the gate's contract check "
        "turned off with `[runtime] contract_check = false`"
    ]
