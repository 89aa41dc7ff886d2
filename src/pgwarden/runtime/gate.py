"""The schema gate: an instance may become active only when migrations are at head and the contract holds.

``run_gate`` is synchronous (it reuses ``ensure_ready`` and ``run_check``) and returns the reasons
the instance is not ready, an empty list when it may become active. The Warden runs it in a
short-lived child process (``run_gate_isolated``), so the long-running guardian never loads the
catalog, diff and migration machinery and stays small.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import sys

from ..config import Config
from ..redact import RedactingFilter
from .settings import RuntimeSettings

__all__ = ["has_contract", "run_gate", "run_gate_isolated"]

log = logging.getLogger("pgwarden.runtime")


def has_contract(cfg: Config) -> bool:
    return cfg.has_schema_source


def run_gate(cfg: Config, settings: RuntimeSettings, url: str, *, apply: bool | None = None) -> list[str]:
    """Why the database is not ready for this code (empty: it is). ``apply`` defaults to ``auto_migrate``."""
    from ..errors import ScratchError, SourceError
    from ..findings import Severity
    from ..migrate import settings as migrate_settings
    from ..migrate.errors import LockWaitExceeded, NotReady
    from ..migrate.ready import ensure_ready
    from ..orchestrator import run_check

    reasons: list[str] = []
    if cfg.migrations is not None:
        apply = settings.auto_migrate if apply is None else apply
        try:
            result = ensure_ready(
                url,
                cfg.migrations,
                apply=apply,
                timeout=max(60.0, settings.ttl),
                settings=migrate_settings.from_config(cfg),
            )
            if result is not None and result.applied:
                log.warning("applied %d migration(s) before becoming ready", len(result.applied))
        except NotReady as exc:
            reasons.append(f"migrations are not at head: {exc}")
        except LockWaitExceeded as exc:
            reasons.append(f"waiting for another migrator: {exc}")
    if settings.contract_check and has_contract(cfg):
        try:
            # The schema, not the data: invariants are repaired while the service runs.
            checked = run_check(cfg.with_overrides(database_url=url), invariants=False, operations=False)
        except (ScratchError, SourceError) as exc:
            reasons.append(f"the contract check could not run: {exc}")
        else:
            errors = [f for f in checked.findings if f.severity is Severity.ERROR]
            if errors:
                shown = "; ".join(f"{f.code} {f.object}: {f.message}" for f in errors[:3])
                more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
                reasons.append(
                    f"the contract check found {len(errors)} error(s): {shown}{more}; run `pgwarden check` "
                    "to see them; drift older than pgwarden can be reviewed and accepted with "
                    "`pgwarden check --accept` (then only new drift blocks), or the gate's contract check "
                    "turned off with `[runtime] contract_check = false`"
                )
    return reasons


async def run_gate_isolated(
    cfg: Config, settings: RuntimeSettings, url: str, *, apply: bool | None = None
) -> list[str]:
    """``run_gate`` in a child process; its log lines go to our stderr."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "pgwarden.runtime.gate",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        out, _ = await proc.communicate(pickle.dumps((cfg, settings, url, apply)))
    except asyncio.CancelledError:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        raise
    if proc.returncode != 0 or not out:
        return [f"the schema gate could not run (its process exited with status {proc.returncode})"]
    result = pickle.loads(out)  # noqa: S301 - written by our own child process
    if isinstance(result, BaseException):
        raise result
    return list(result)


def _child() -> None:
    from ..errors import PgwardenError

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("pgwarden gate: %(message)s"))
    handler.addFilter(RedactingFilter())
    logging.getLogger("pgwarden").addHandler(handler)
    logging.getLogger("pgwarden").setLevel(logging.WARNING)
    cfg, settings, url, apply = pickle.loads(sys.stdin.buffer.read())  # noqa: S301 - from our parent
    result: object
    try:
        result = run_gate(cfg, settings, url, apply=apply)
    except PgwardenError as exc:
        result = exc
    sys.stdout.buffer.write(pickle.dumps(result))


if __name__ == "__main__":
    _child()
