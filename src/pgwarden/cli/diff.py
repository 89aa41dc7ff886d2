"""``pgwarden diff``: what differs between two schema sources, or the SQL turning one into the other."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import click

from .. import phases
from .._collector import cycle_collector
from ..catalog import TableShare
from ..contract.resolve import is_live, resolve
from ._state import State, dev_url_option, format_option

if TYPE_CHECKING:
    from ..contract.expected import Expected
    from ..scratch import Scratch

SRC_HELP = (
    "A database URL, models:MODULE:ATTR, migrations:DIR, a snapshot .json file, or db, models,"
    " migrations, snapshot for the configured ones."
)


@click.command()
@click.option("--from", "from_", required=True, metavar="SRC", help=f"The schema you have. {SRC_HELP}")
@click.option("--to", "to", required=True, metavar="SRC", help=f"The schema you want. {SRC_HELP}")
@click.option("--sql", "as_sql", is_flag=True, help="Print a migration script turning FROM into TO.")
@click.option("--allow-destructive", is_flag=True, help="With --sql: emit DROPs uncommented.")
@dev_url_option
@format_option
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@click.pass_obj
def diff(
    state: State,
    from_: str,
    to: str,
    as_sql: bool,
    allow_destructive: bool,
    dev_url: str | None,
    fmt: str,
    strict: bool,
) -> int:
    """Compare two schemas: findings, or with --sql the script that turns FROM into TO.

    Destructive statements are commented out unless --allow-destructive.
    """
    live = is_live(from_) and is_live(to)
    with cycle_collector(paused=live):
        cfg = state.config(dev_url=dev_url)
        if live:
            have, want = _read_both(from_, to, cfg=cfg, scratch=_no_scratch)
        else:
            from ..scratch import LazyScratch

            with LazyScratch(cfg.dev_url) as scratch:
                have = _resolved("FROM", from_, cfg=cfg, scratch=scratch)
                want = _resolved("TO", to, cfg=cfg, scratch=scratch)
        return _report(
            state, have, want, as_sql=as_sql, allow_destructive=allow_destructive, fmt=fmt, strict=strict
        )


def _report(
    state: State,
    have: Expected,
    want: Expected,
    *,
    as_sql: bool,
    allow_destructive: bool,
    fmt: str,
    strict: bool,
) -> int:
    """What differs between ``have`` and ``want``: findings, or with ``as_sql`` the script."""
    from .. import findings as findings_module
    from .. import formats
    from ..diff import diff as compute_diff
    from ..diff import render_sql, to_findings

    # A partial source (models know no triggers) only speaks for what it describes.
    both = have.covers & want.covers
    changes = [c for c in compute_diff(want.schema, have.schema) if c.object_type in both]
    phases.mark(f"compared: {len(changes)} difference(s)")
    ledgers = (*have.bookkeeping, *want.bookkeeping)
    if ledgers:  # an Alembic chain's version table (its module loads the migration tools' table names)
        from ..contract.ledgers import is_ledger

        changes = [c for c in changes if not is_ledger(c.object, ledgers)]
    if as_sql:
        script = render_sql(changes, allow_destructive=allow_destructive)
        if script:
            state.out.write(f"-- pgwarden diff: turns {have.name} into {want.name}\n")
            state.out.write(script if script.endswith("\n") else script + "\n")
        else:
            state.out.write(f"-- {have.name} and {want.name} agree: nothing to do.\n")
        return 0
    found = to_findings(changes, attributes={**have.attributes, **want.attributes})
    formats.render(
        found,
        fmt,
        state.out,
        color=state.color,
        title=f"pgwarden diff: {have.name} -> {want.name}",  # an Alembic chain with its head
        extra={
            "from": have.label,
            "to": want.label,
            "alembic_heads": {s.label: list(s.heads) for s in (have, want) if s.heads},
        },
    )
    return findings_module.exit_code(found, strict=strict)


def _read_both(from_: str, to: str, **kwargs: Any) -> tuple[Expected, Expected]:
    """Two live databases read at the same time: each inspection mostly waits for its server (psycopg
    lets go of the GIL while it waits), so the second costs little more than the first, and a table
    whose catalog rows are the same on both sides is built once (``catalog.TableShare``). Meanwhile
    this thread imports what compares and renders them, which would otherwise delay the first
    query. A failure of FROM is reported first, as when they are read one after the other."""
    kwargs["share"] = TableShare()
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="pgwarden-diff") as pool:
        first = pool.submit(_resolved, "FROM", from_, **kwargs)
        later = pool.submit(_resolved, "TO", to, **kwargs)
        _import_comparison()
        try:
            have = first.result()
        except BaseException:
            later.cancel()
            raise
        return have, later.result()


def _resolved(side: str, src: str, **kwargs: Any) -> Expected:
    """``resolve(src)``; with ``-v``, when it was read and built."""
    found = resolve(src, **kwargs)
    phases.mark(f"{side} read ({len(found.schema.tables)} tables)")
    return found


def _no_scratch() -> Scratch:
    """What ``resolve`` gets as its scratch server when both sources are live databases: it asks for
    one only for models and migrations (not importing ``scratch`` saves its import before reading)."""
    raise AssertionError("a live database is read without a scratch server")


def _import_comparison() -> None:
    """Import the modules ``diff`` uses once both schemas are read (their import is most of what
    this command imports besides the driver)."""
    from .. import findings, formats  # noqa: F401
    from ..diff import render  # noqa: F401
