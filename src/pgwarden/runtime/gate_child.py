"""The schema gate's child process: composes the gate with the contract check and runs it once.

Started by ``gate_process.spawn`` as ``python -m pgwarden.runtime.gate_child``, often ahead of its
run: it imports, then reads the pickled ``(config, settings, url, apply)`` on stdin and writes the
pickled reasons (or the ``PgwardenError``) on stdout; an empty stdin (no work after all) ends it.
Only this process loads the orchestrator and what it needs.
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
    work = sys.stdin.buffer.read()  # started ahead of its run: the imports above happen meanwhile
    if not work:  # the guardian stopped (or died) before handing work over
        return
    cfg, settings, url, apply = pickle.loads(work)  # noqa: S301 - from our parent
    result: object
    try:
        result = run_gate(cfg, settings, url, check=ContractCheck(), apply=apply)
    except PgwardenError as exc:
        result = exc
    sys.stdout.buffer.write(pickle.dumps(result))


if __name__ == "__main__":
    main()
