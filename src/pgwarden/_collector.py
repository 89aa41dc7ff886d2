"""The cycle collector paused while a command builds many acyclic objects.

Reading thousands of tables (``diff``, ``snapshot``) or linting thousands of statements and
rendering their findings (``lint``) allocates hundreds of thousands of rows, parse trees and dicts,
none of them in a cycle that outlives the command, and each automatic collection walks all of them
again: at 2,000 tables about a tenth of ``diff``'s CPU and a fifth of ``snapshot``'s; full
collections walk every lint finding. Reference counting still frees everything as usual, and the
collector's state is restored afterwards (tests run commands in one process).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cycle_collector_off(when: bool = True) -> Iterator[None]:
    """The collector paused for the block (``when`` false: left as it is)."""
    enabled = gc.isenabled()
    if when:
        gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
