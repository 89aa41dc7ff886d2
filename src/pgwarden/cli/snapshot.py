"""``pgwarden snapshot``: write a schema to a versioned JSON file that diffs well in git."""

from __future__ import annotations

from pathlib import Path

import click

from .. import phases
from .._collector import cycle_collector
from ..catalog import serialize
from ..config import Config
from ..contract.resolve import is_live, resolve
from ..scratch import LazyScratch
from ._state import State, db_option, dev_url_option


@click.command()
@click.option(
    "--from",
    "from_",
    metavar="SRC",
    help="What to snapshot: a database URL, models:MODULE:ATTR or migrations:DIR (default: the live database).",
)
@db_option
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="File to write (default: `snapshot` from config; - for stdout).",
)
@dev_url_option
@click.pass_obj
def snapshot(
    state: State, from_: str | None, database_url: str | None, output: str | None, dev_url: str | None
) -> int:
    """Write the schema of the live database (or another source) to a snapshot file."""
    cfg = state.config(database_url=database_url, dev_url=dev_url)
    source = from_ or cfg.db_url()
    assert source is not None
    with cycle_collector(paused=is_live(source)):
        return _snapshot(state, cfg, source, output)


def _snapshot(state: State, cfg: Config, source: str, output: str | None) -> int:
    with LazyScratch(cfg.dev_url) as scratch:
        expected = resolve(source, cfg=cfg, scratch=scratch)
    phases.mark(f"schema read ({len(expected.schema.tables)} tables)")
    target = output or (str(cfg.snapshot) if cfg.snapshot else None)
    if target is None:
        raise click.UsageError("Where to? Pass -o FILE (or - for stdout), or set `snapshot` in the config.")
    if target == "-":
        state.out.write(serialize.dumps(expected.schema))
        return 0
    serialize.write(expected.schema, Path(target))
    s = expected.schema
    state.err.write(
        f"Wrote {target}: {len(s.tables)} tables, {len(s.views)} views, {len(s.functions)} functions, "
        f"{sum(len(t.triggers) for t in s.tables)} triggers from {expected.name}.\n"
    )
    return 0
