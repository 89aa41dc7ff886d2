"""``python -m pgwarden`` and the ``pgwarden`` script: a warm ``lint`` is answered from its cache
before the command line interface is imported (``lint/lean.py``), anything else runs the CLI."""

from __future__ import annotations

import sys


def main() -> int:
    from .lint.lean import run

    code = run(sys.argv[1:])
    if code is not None:
        return code
    from .cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
