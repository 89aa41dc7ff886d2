"""The schema gate's child process: composes the gate with the contract check and runs it once.

Started by ``gate_driver.run_gate_isolated`` as ``python -m pgwarden.runtime.gate_child``; it
reads the pickled ``(config, settings, url, apply)`` on stdin and writes the pickled reasons (or
the ``PgwardenError``) on stdout. Only this process loads the orchestrator and what it needs.
"""

from __future__ import annotations

import logging
import pickle
import sys

from ..errors import PgwardenError
from ..orchestrator import ContractCheck
from ..redact import RedactingFilter
from .gate import run_gate


def main() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("pgwarden gate: %(message)s"))
    handler.addFilter(RedactingFilter())
    logging.getLogger("pgwarden").addHandler(handler)
    logging.getLogger("pgwarden").setLevel(logging.WARNING)
    cfg, settings, url, apply = pickle.loads(sys.stdin.buffer.read())  # noqa: S301 - from our parent
    result: object
    try:
        result = run_gate(cfg, settings, url, check=ContractCheck(), apply=apply)
    except PgwardenError as exc:
        result = exc
    sys.stdout.buffer.write(pickle.dumps(result))


if __name__ == "__main__":
    main()
