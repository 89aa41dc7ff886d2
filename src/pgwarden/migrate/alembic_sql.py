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

from ..errors import SourceError
from .alembic_scripts import Chain, Revision, quiet_stdout
from .source import show_path

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


def emitted(chain: Chain, start: tuple[str, ...] = (), to: tuple[str, ...] | None = None) -> list[Emitted]:
    """Every revision's statements from ``start`` (the revisions a database is at; none: base) to the heads,
    or to the revisions ``to`` (ids, included) and no further, in chain order; the revisions ``start``
    already has are left out."""
    from alembic.runtime.environment import EnvironmentContext

    recorder = _Recorder(chain)

    def upgrade(rev: object, context: object) -> object:
        return chain.script._upgrade_revs(to or "heads", start)

    with quiet_stdout(), EnvironmentContext(chain.config, chain.script, fn=upgrade, as_sql=True) as env:
        env.configure(
            dialect_name="postgresql",
            output_buffer=recorder,
            transaction_per_migration=True,
            literal_binds=True,
        )
        with env.begin_transaction():
            try:
                env.run_migrations()
            except Exception as exc:  # a revision's own code: one that reads the database, op.get_bind()
                raise _offline_failure(exc, recorder) from exc
    done = chain.applied(start)
    wanted = chain.applied(to) if to else {r.id for r in chain.revisions}
    return [recorder.by_path[str(r.path)] for r in chain.revisions if r.id not in done and r.id in wanted]


def _offline_failure(exc: Exception, recorder: _Recorder) -> Exception:
    """``SourceError`` naming the revision file and line that failed to render offline; ``exc`` itself when
    the failure is not in a revision's code (Alembic's own errors keep their handling)."""
    where = None
    tb = exc.__traceback__
    while tb is not None:
        found = recorder.by_path.get(tb.tb_frame.f_code.co_filename)
        if found is not None:
            where = (found.revision, tb.tb_lineno)
        tb = tb.tb_next
    if where is None:
        return exc
    revision, line = where
    first = (str(exc).strip().splitlines() or [""])[0]
    return SourceError(
        f"{show_path(revision.path)}:{line}: revision {revision.id} cannot be rendered in Alembic's offline mode "
        f"({type(exc).__name__}: {first}), which pgwarden uses to show and lint revisions without running them; "
        "a revision that reads the database needs an `if context.is_offline_mode():` branch "
        "(`migrate up --dry-run --to REV` with a revision before it shows the ones before)."
    )


def offline_changes(chain: Chain) -> tuple[dict[str, list[str]], str | None]:
    """What each revision changes, from the SQL offline mode renders: ``({revision: phrases}, None)``, or
    ``({}, reason)`` when a revision cannot render offline (one that reads the database, ``op.get_bind()``)."""
    from .touched import touched

    try:
        found = emitted(chain)
    except Exception as exc:  # a revision that needs a live connection: say so, status still works
        exc = exc.__cause__ if isinstance(exc, SourceError) and isinstance(exc.__cause__, Exception) else exc
        lines = str(exc).strip().splitlines()
        return {}, f"{type(exc).__name__}: {lines[0] if lines else ''}".rstrip(": ")
    return {e.revision.id: touched(s for _, s in e.statements) for e in found}, None
