"""A new Alembic revision file, written through Alembic's own ``ScriptDirectory``.

Alembic picks the id, the file name (``file_template``), the ``down_revision`` (the one head)
and renders the project's own ``script.py.mako``; pgwarden hands it the ``upgrade()`` body:
each statement as ``op.execute(...)``, ``CREATE INDEX CONCURRENTLY`` inside an autocommit
block, and a statement that loses data as a comment only. ``downgrade()`` raises, with a
comment saying why: pgwarden never runs one. Several heads are never merged behind the
user's back: that is ``alembic merge``'s job.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import SourceError, UsageError
from .alembic_scripts import load_chain, quiet_stdout
from .source import show_path

__all__ = ["Statement", "Written", "downgrade_body", "upgrade_body", "write_revision"]

_INDENT = "    "
_DOWNGRADE = (
    "# pgwarden never runs downgrade(): a failed or unwanted revision is fixed by a new revision.\n"
    'raise NotImplementedError("write a new revision instead of downgrading")'
)


@dataclass(frozen=True)
class Statement:
    """One statement for ``upgrade()``: its SQL, the comment above it, and why it is left commented out."""

    sql: str
    comment: str = ""
    destructive: str | None = None
    """Set: the statement loses data; it is written as a comment for the author to decide."""


@dataclass(frozen=True)
class Written:
    path: Path
    revision: str
    """The new revision's id (what ``migrate baseline --revision`` and ``alembic stamp`` take)."""


def _literal(text: str) -> str:
    """``text`` as a Python string literal, triple-quoted when it spans lines and can be."""
    if "\n" in text and '"""' not in text and "\\" not in text and not text.endswith('"'):
        return '"""\n' + text + '\n"""'
    return repr(text)


def upgrade_body(statements: Sequence[Statement]) -> str:
    """The lines of ``upgrade()`` (unindented) for ``statements``; empty when there are none."""
    blocks: list[str] = []
    runs = False
    for s in statements:
        lines = [f"# {line}" for line in s.comment.splitlines()]
        sql = s.sql.strip()
        if not sql:
            blocks.append("\n".join(lines))
            continue
        if s.destructive:
            lines.append(f"# destructive ({s.destructive}): left for you to decide, uncomment to run it:")
            lines += [f"# {line}" for line in f"op.execute({_literal(sql)})".splitlines()]
            blocks.append("\n".join(lines))
            continue
        call = f"op.execute({_literal(sql)})"
        if "CONCURRENTLY" in sql.upper():
            # PostgreSQL refuses CONCURRENTLY inside a transaction; Alembic commits around this block.
            call = "with op.get_context().autocommit_block():\n" + _indent(call)
        lines.append(call)
        blocks.append("\n".join(lines))
        runs = True
    if blocks and not runs:
        blocks.append("pass")  # comments alone are no function body
    return "\n\n".join(blocks)


def downgrade_body() -> str:
    return _DOWNGRADE


def _indent(text: str) -> str:
    # Lines inside a triple-quoted SQL literal keep their text: indenting them only adds spaces to the SQL.
    return "\n".join(_INDENT + line if line else line for line in text.splitlines())


def write_revision(where: Path, message: str, statements: Sequence[Statement]) -> Written:
    """Create the next revision of the Alembic environment at ``where``: its file and id."""
    from alembic.util import CommandError, rev_id

    chain = load_chain(where)
    if len(chain.heads) > 1:
        raise UsageError(
            f"{show_path(where)} has {len(chain.heads)} heads ({', '.join(chain.heads)}): merge them first with "
            "`alembic merge heads -m MESSAGE`, then run this again (pgwarden never merges heads itself)."
        )
    up = upgrade_body(statements)
    # The template puts the first line after its own indentation; the others need it here.
    upgrades = _indent(up).lstrip() if up else None
    try:
        with quiet_stdout():
            script = chain.script.generate_revision(
                rev_id(),
                message,
                head="head",
                upgrades=upgrades,
                downgrades=_indent(_DOWNGRADE).lstrip(),
            )
    except CommandError as exc:
        raise SourceError(f"Alembic could not create the revision in {show_path(where)}: {exc}.") from None
    if script is None:
        raise SourceError(f"Alembic wrote no revision file in {show_path(where)} (check `file_template`).")
    path = Path(script.path)
    text = path.read_text(encoding="utf-8")
    if "NotImplementedError" not in text or (up and up.splitlines()[0].strip() not in text):
        path.unlink()
        mako = Path(chain.script.dir) / "script.py.mako"
        raise SourceError(
            f"{show_path(mako)} does not render ${{upgrades}} and ${{downgrades}} in upgrade() and downgrade() "
            "(as Alembic's own templates do): add them, then run this again; no revision was written."
        )
    return Written(path, str(script.revision))
