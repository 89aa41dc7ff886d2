"""The SQL each Alembic revision emits, statement by statement, with the line of the ``op.*`` call.

Alembic's offline mode (``--sql``) renders every operation for PostgreSQL without a
database; the output buffer here looks up the stack at each write to tell which
revision, and which line of it, the statement came from. ``op.execute`` text (DO blocks
included) comes through as written. Nothing runs, so ``downgrade()`` never does either.
"""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass, field

from .alembic_scripts import Chain, Revision, quiet_stdout

__all__ = ["Emitted", "emitted", "offline_changes"]


@dataclass
class Emitted:
    revision: Revision
    statements: list[tuple[int, str]] = field(default_factory=list)
    """``(line of the op call in the revision file, SQL)`` in the order the revision runs them."""


class _Recorder(io.StringIO):
    def __init__(self, chain: Chain) -> None:
        super().__init__()
        self.by_path = {str(r.path): Emitted(r) for r in chain.revisions}

    def write(self, text: str) -> int:
        frame = sys._getframe(1)
        while frame is not None:
            found = self.by_path.get(frame.f_code.co_filename)
            if found is not None:
                statement = text.strip()
                if statement:
                    found.statements.append((frame.f_lineno, statement))
                break
            frame = frame.f_back  # type: ignore[assignment]
        return len(text)


def emitted(chain: Chain, start: tuple[str, ...] = ()) -> list[Emitted]:
    """Every revision's statements from ``start`` (the revisions a database is at; none: base) to the heads,
    in chain order; the revisions ``start`` already has are left out."""
    from alembic.runtime.environment import EnvironmentContext

    recorder = _Recorder(chain)

    def upgrade(rev: object, context: object) -> object:
        return chain.script._upgrade_revs("heads", start)

    with quiet_stdout(), EnvironmentContext(chain.config, chain.script, fn=upgrade, as_sql=True) as env:
        env.configure(
            dialect_name="postgresql",
            output_buffer=recorder,
            transaction_per_migration=True,
            literal_binds=True,
        )
        with env.begin_transaction():
            env.run_migrations()
    done = chain.applied(start)
    return [recorder.by_path[str(r.path)] for r in chain.revisions if r.id not in done]


def offline_changes(chain: Chain) -> tuple[dict[str, list[str]], str | None]:
    """What each revision changes, from the SQL offline mode renders: ``({revision: phrases}, None)``, or
    ``({}, reason)`` when a revision cannot render offline (one that reads the database, ``op.get_bind()``)."""
    from .touched import touched

    try:
        found = emitted(chain)
    except Exception as exc:  # a revision that needs a live connection: say so, status still works
        lines = str(exc).strip().splitlines()
        return {}, f"{type(exc).__name__}: {lines[0] if lines else ''}".rstrip(": ")
    return {e.revision.id: touched(s for _, s in e.statements) for e in found}, None
