"""``pgwarden init``: look at the project, write a commented config, print what it found and what next."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import UsageError
from ._state import State

__all__ = ["init"]


@click.command()
@click.option(
    "--path",
    "folder",
    type=click.Path(file_okay=False),
    default=".",
    show_default=True,
    help="The project folder.",
)
@click.option("--pyproject", is_flag=True, help="Write [tool.pgwarden] into pyproject.toml instead.")
@click.option("--print", "print_only", is_flag=True, help="Show the config (or recipe) without writing.")
@click.option("--force", is_flag=True, help="Overwrite an existing pgwarden.toml or [tool.pgwarden].")
@click.option(
    "--recipe",
    type=click.Choice(("systemd", "compose", "paas")),
    help="Print a deployment recipe that runs the bot under `pgwarden run` instead.",
)
@click.pass_obj
def init(
    state: State, folder: str, pyproject: bool, print_only: bool, force: bool, recipe: str | None
) -> int:
    """Find the models, migrations, settings and deployment files, and write pgwarden.toml.

    Reads the project's files without importing them (SQLAlchemy bases and MetaData,
    Tortoise, Peewee and Django models, by their syntax tree), writes a commented pgwarden.toml (or [tool.pgwarden] with
    --pyproject), and prints what it found and the next three commands. The database URL,
    and any password, stays where the project keeps it and is never written.
    """
    from ..discover import scan
    from ..initfiles import recipe as render_recipe
    from ..initfiles import render_config, report

    root = Path(folder).expanduser().resolve()
    if not root.is_dir():
        raise UsageError(f"{root} is not a folder; pass the project folder with --path.")
    from ..migrate.alembic_scripts import find_alembic

    project = scan(root)
    # Alembic's own reading also knows [tool.alembic] in pyproject.toml; discover stays file-only.
    project.alembic = find_alembic(root) or project.alembic
    if recipe:
        state.out.write(render_recipe(recipe, project))
        return 0
    if project.empty:
        raise UsageError(
            f"{root} holds no Python files and no migrations; run `pgwarden init` in the bot's project folder "
            "(or pass --path)."
        )
    text = render_config(project, pyproject=pyproject)
    if print_only:
        state.out.write(text)
        state.err.write(report(project, target=""))
        return 0
    target = root / ("pyproject.toml" if pyproject else "pgwarden.toml")
    _write(target, text, pyproject=pyproject, force=force)
    state.out.write(report(project, target=str(target)))
    return 0


def _write(target: Path, text: str, *, pyproject: bool, force: bool) -> None:
    if not pyproject:
        if target.exists() and not force:
            raise UsageError(f"{target} exists; pass --force to overwrite it, or --print to see the new one.")
        _atomic(target, text)
        return
    existing = target.read_text(encoding="utf-8") if target.is_file() else ""
    if "[tool.pgwarden" in existing:
        if not force:
            raise UsageError(
                f"{target} already has [tool.pgwarden]; pass --force to replace it, or --print to see the new one."
            )
        existing = _without_table(existing)
    _atomic(target, existing.rstrip("\n") + ("\n" if existing.strip() else "") + text.lstrip("\n"))


def _without_table(text: str) -> str:
    """``text`` without the ``[tool.pgwarden]`` table and its sub-tables (up to the next other table)."""
    out: list[str] = []
    skipping = False
    for line in text.splitlines(keepends=True):
        header = line.strip()
        if header.startswith("["):
            name = header.strip("[]").strip()
            skipping = name == "tool.pgwarden" or name.startswith("tool.pgwarden.")
        if not skipping:
            out.append(line)
    return "".join(out)


def _atomic(target: Path, text: str) -> None:
    tmp = target.with_name(f".{target.name}.pgwarden-tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UsageError(f"Cannot write {target}: {exc.strerror or exc}.") from None
