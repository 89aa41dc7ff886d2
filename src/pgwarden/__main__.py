"""``python -m pgwarden`` and the ``pgwarden`` script: a warm ``lint`` is answered from its cache
before the command line interface is imported (``lint/lean.py``), anything else runs the CLI.

``diff`` and ``snapshot`` run without the cycle collector from the first import to exit, the
interpreter's collections at exit included (``_collector.pause_from_start``): at 2,000 tables the
automatic collections while reading and the walks at exit over the ~55,000 objects still alive
(modules, the driver) cost 0.04-0.09 s of CPU, and the process now ends ~16 ms after its last
write instead of ~55. ``check`` skips only the collections at exit (SQLAlchemy, Alembic and the
models still alive: 0.1-0.2 s after a first run)."""

from __future__ import annotations

import sys

from . import _collector, phases  # noqa: F401  # phases: its clock starts at this import


def main() -> int:
    argv = sys.argv[1:]
    paused = _collector.pause_from_start(argv)
    # Only a command line naming `lint` can be a plain lint: any other command (and diff and
    # snapshot, which pause the collector) leaves lint's cache module unloaded.
    if not paused and "lint" in argv:
        from .lint.lean import run

        code = run(argv)
        if code is not None:
            return code
    from .cli import main as cli_main

    code = cli_main()
    if _collector.skips_final_collection(argv):
        _collector.skip_final_collection()
    return code


if __name__ == "__main__":
    sys.exit(main())
