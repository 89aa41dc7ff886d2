"""The text ``pgwarden init`` writes or prints: a commented config and deployment recipes (pure)."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from pathlib import Path

from ._astscan import URL_VAR
from .discover import Project, Settings

_PART_VAR = re.compile(
    r"^(?:DATABASE|DB|POSTGRES(?:QL)?|PG|PSQL)_?(?:[A-Z0-9]+_)*?"
    r"(HOST|PORT|USER|USERNAME|LOGIN|PASS|PASSWORD|PWD|NAME|DB|DATABASE|DBNAME)$"
)
_PART_OF = {
    "HOST": "host",
    "PORT": "port",
    "USER": "user",
    "USERNAME": "user",
    "LOGIN": "user",
    "PASS": "password",
    "PASSWORD": "password",
    "PWD": "password",
    "NAME": "dbname",
    "DB": "dbname",
    "DATABASE": "dbname",
    "DBNAME": "dbname",
}

__all__ = ["RECIPES", "render_config", "recipe", "report"]

RECIPES = ("systemd", "compose", "paas")


def _rel(project: Project, path: Path) -> str:
    try:
        return path.relative_to(project.root).as_posix() or "."
    except ValueError:
        return str(path)


def _q(value: str) -> str:
    """A TOML basic string."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_config(project: Project, *, pyproject: bool) -> str:
    """A commented ``pgwarden.toml`` (or ``[tool.pgwarden]`` table) for what ``scan`` found.

    The database URL itself is never written: it stays wherever the project keeps it.
    """
    lines: list[str] = []
    if pyproject:
        lines += ["", "[tool.pgwarden]"]
    else:
        lines += [
            "# pgwarden configuration, written by `pgwarden init`; every key is documented in README.md."
        ]
    lines.append("")
    lines += _models_lines(project)
    lines.append("")
    lines += _migrations_lines(project)
    lines.append("")
    lines += _url_lines(project)
    lines += [
        "",
        '# schemas = ["public"]            # only these schemas (default: every schema but pgwarden\'s)',
        '# ignore = ["public.legacy_*"]     # objects to leave out of the check',
    ]
    return "\n".join(lines) + "\n"


def _models_lines(project: Project) -> list[str]:
    orms = project.orms
    if orms and (not project.bases or orms[0].tables > project.bases[0].tables):
        best_orm, *rest = orms
        out = [
            f"# {best_orm.orm} models, {best_orm.tables} table(s) ({best_orm.how}, "
            f"{_rel(project, best_orm.path)}); read in the project's own Python: docs/models.md",
            f"models = {_q(best_orm.spec)}",
        ]
        out += [f"# models = {_q(o.spec)}   # {o.orm}, {o.tables} table(s)" for o in rest]
        out += [f"# models = {_q(b.spec)}   # SQLAlchemy, {b.tables} table(s)" for b in project.bases[:2]]
        return out
    if not project.bases:
        return [
            "# No models were found (SQLAlchemy, Tortoise, Peewee, Django); name yours:",
            '# models = "bot.db:Base"   # or a Tortoise/Peewee models module, a Django settings module',
        ]
    best, *others = project.bases
    out = [f"# {_rel(project, best.path)}:{best.line}, {best.tables} mapped table(s)"]
    spec = project.models_spec(best)
    missing = project.unimported(best)
    if spec != best.spec:
        module = spec.partition(":")[0]
        out.append(f"# {best.spec} alone registers no table: {module} imports every model module.")
        missing = []
    out.append(f"models = {_q(spec)}")
    if missing:
        out += [
            f"# Careful: importing {best.module} does not import {', '.join(missing)}, so their tables",
            "# would be missing from the check: point `models` at a module that imports every model module.",
        ]
    for other in others[:3]:
        out.append(
            f"# models = {_q(other.spec)}   # {_rel(project, other.path)}:{other.line}, {other.tables} table(s)"
        )
    return out


def _migrations_lines(project: Project) -> list[str]:
    out: list[str] = []
    if project.migrations is not None:
        out.append(
            f"# {project.migration_files} numbered .sql file(s), applied in order to a scratch database"
        )
        out.append(f"migrations = {_q(_rel(project, project.migrations))}")
    if project.alembic is not None:
        where = _rel(project, project.alembic)
        out.append(
            "# Alembic revisions (read by Alembic itself; `alembic_version` is the ledger; env.py is not run):"
            " docs/alembic.md"
        )
        if project.migrations is None:
            out.append(f"migrations = {_q(where)}")
        else:
            out.append(
                f"# migrations = {_q(where)}   # instead of the SQL folder above, if Alembic is the one in use"
            )
    if not out:
        out = [
            "# No migrations folder found; numbered SQL files (001_init.sql, ...) go here:",
            '# migrations = "migrations"',
        ]
    return out


def url_source(settings: Settings) -> tuple[str, Mapping[str, str]] | None:
    """Which variables a settings object builds its URL from, when pgwarden can read them itself.

    ``("DATABASE_URL", {})`` or another URL variable; ``("DB_*", {})`` / ``("POSTGRES_*", {})``
    for the default part names; ``("PG_*", {"host": "PG_HOST", ...})`` for other names, which
    ``database_parts`` then maps.
    ``None``: it reads none (the URL is computed or fixed), or names pgwarden cannot map.
    """
    from .dburl import DEFAULT_PARTS

    urls = [v for v in settings.url_reads if URL_VAR.match(v.upper()) and v != "DIRECT_URL"]
    parts = [v for v in settings.url_reads if _PART_VAR.match(v)]
    if urls and not parts:
        return (urls[0], {}) if len(urls) == 1 else None
    if urls or not parts:
        return None
    for group in DEFAULT_PARTS:
        known = {name for names in group.values() for name in names}
        if set(parts) <= known:
            return (group["host"][0].rsplit("_", 1)[0] + "_*", {})
    mapping: dict[str, str] = {}
    for var in parts:
        match = _PART_VAR.match(var)
        part = _PART_OF[match.group(1)] if match else ""
        if not part or part in mapping:
            return None
        mapping[part] = var
    if "host" not in mapping and "dbname" not in mapping:
        return None
    prefixes = {v.rsplit("_", 1)[0] for v in mapping.values() if "_" in v}
    label = f"{prefixes.pop()}_*" if len(prefixes) == 1 and len(mapping) > 1 else ", ".join(mapping.values())
    order = ("host", "port", "user", "password", "dbname")
    return label, {k: mapping[k] for k in order if k in mapping}


def _env_url_var(keys: tuple[str, ...]) -> list[str]:
    """``database_url_env`` for the one URL variable of a ``.env`` when it is not ``DATABASE_URL``."""
    urls = [key for key in keys if URL_VAR.match(key.upper())]
    return [f"database_url_env = {_q(urls[0])}"] if len(urls) == 1 and urls != ["DATABASE_URL"] else []


def _url_lines(project: Project) -> list[str]:
    out = ["# The database URL is never written here. pgwarden looks, in order: --db, `database_url`,"]
    out.append("# $DATABASE_URL, .env, DB_*/POSTGRES_* parts, libpq's PG* (docs/database-url.md).")
    if project.settings:
        first, *rest = project.settings
        where = f"{_rel(project, first.path)}:{first.line}"
        found = url_source(first)
        if found is None:
            out.append(f"database_url = {_q(first.spec)}   # your settings object ({where})")
        else:
            name, mapping = found
            reads = name
            if mapping:
                table = ", ".join(f"{k} = {_q(v)}" for k, v in mapping.items())
                out.append(f"database_parts = {{ {table} }}")
            elif "*" not in name and name != "DATABASE_URL":
                out.append(f"database_url_env = {_q(name)}")
            out += [
                f"# {where} takes the URL from {reads}; pgwarden reads that itself (environment or .env),",
                f"# so it need not import {first.spec.partition(':')[0]}, which runs the bot's own set-up.",
                "# To use the settings object instead:",
                f"# database_url = {_q(first.spec)}",
            ]
        out += [f"# database_url = {_q(s.spec)}" for s in rest[:2]]
    elif project.env_file and project.env_keys:
        out += _env_url_var(project.env_keys)
        out.append(f"# .env holds {', '.join(project.env_keys[:6])}: pgwarden reads it from there.")
    elif project.env_template and project.env_keys:
        out += _env_url_var(project.env_keys)
        out.append(
            f"# {project.env_template.name} lists {', '.join(project.env_keys[:6])}: copy it to .env "
            "(pgwarden reads .env) or set them in the environment."
        )
    else:
        out.append('# database_url = "bot.config:settings.db_url"   # a settings object, if you have one')
    if "DIRECT_URL" in project.env_keys or any("DIRECT_URL" in s.reads for s in project.settings):
        out += [
            "# DIRECT_URL (a URL that bypasses the pooler) is used by migrations, `run`'s lease and backups;",
            '# direct_url_env = "DIRECT_URL"   # the variable that holds it, if yours is named otherwise',
        ]
    return out


def report(project: Project, *, target: str) -> str:
    """What ``init`` found, as lines for a person, and the next three commands."""
    lines = [f"pgwarden init: looked at {project.python_files} Python file(s) in {project.root}."]
    if project.truncated:
        lines.append("  (stopped after 3000 files: run init in the project's own folder)")
    for base in project.bases[:4]:
        style = f", {'/'.join(sorted(base.styles))} style" if base.styles else ""
        spec = project.models_spec(base)
        lines.append(f"  models:     {spec} ({base.tables} table(s){style})")
        missing = project.unimported(base)
        if spec != base.spec:
            lines.append(
                f"              (the Base is {base.spec}; {spec.partition(':')[0]} imports its models)"
            )
        elif missing:
            lines.append(
                f"              importing it does not import {', '.join(missing)}: see pgwarden.toml"
            )
    for orm in project.orms[:3]:
        lines.append(f"  models:     {orm.spec} ({orm.orm}, {orm.tables} table(s); {orm.how})")
    if not project.bases and not project.orms:
        lines.append(
            "  models:     none found (no SQLAlchemy base or MetaData, no Tortoise, Peewee or Django models)"
        )
    if project.migrations:
        lines.append(
            f"  migrations: {_rel(project, project.migrations)} ({project.migration_files} SQL files)"
        )
    if project.alembic:
        lines.append(
            f"  alembic:    {_rel(project, project.alembic)} - check, lint and migrate read its revisions "
            "(pgwarden[alembic] or the project's own Alembic)"
        )
    for s in project.settings[:2]:
        found = url_source(s)
        how = found[0] if found else ""
        lines.append(
            f"  settings:   {s.spec}" + (f" (from {how}: pgwarden reads that, not the module)" if how else "")
        )
    if project.env_file:
        keys = ", ".join(project.env_keys) or "no database variables"
        lines.append(f"  .env:       {keys} (values not shown)")
    elif project.env_template:
        keys = ", ".join(project.env_keys) or "no database variables"
        lines.append(
            f"  .env:       none; {_rel(project, project.env_template)} lists {keys}: copy it to .env"
        )
    for path in project.deploy:
        lines.append(f"  deploy:     {_rel(project, path)}")
    recipe_hint = "systemd"
    if any("compose" in p.name or p.name == "Dockerfile" for p in project.deploy):
        recipe_hint = "compose"
    elif any(p.name == "Procfile" for p in project.deploy):
        recipe_hint = "paas"
    lines += [
        f"Wrote {target}." if target else "Nothing written (--print).",
        "Next:",
        "  pgwarden doctor env      # which database URL source pgwarden uses, and the server's state",
        "  pgwarden check           # models, migrations and the live database, compared",
        f"  pgwarden init --recipe {recipe_hint}   # run the bot under pgwarden: one active instance, health",
    ]
    return "\n".join(lines) + "\n"


def recipe(kind: str, project: Project) -> str:
    """A deployment snippet that runs the bot under ``pgwarden run``."""
    entry = project.entry or "python bot.py"
    run = f"pgwarden run --telegram --health-port 8081 -- {entry}"
    name = project.root.name or "bot"
    if kind == "systemd":
        return f"""# /etc/systemd/system/{name}.service
[Unit]
Description={name} under pgwarden (one active instance, schema gate, health)
After=network-online.target postgresql.service
Wants=network-online.target

[Service]
Type=notify
NotifyAccess=main
WorkingDirectory={project.root}
# DATABASE_URL (or .env / DB_* parts next to pgwarden.toml) is read as documented in docs/database-url.md
EnvironmentFile=-{project.root}/.env
ExecStart={project.root}/.venv/bin/{run}
WatchdogSec=30
Restart=on-failure
RestartSec=5
TimeoutStopSec=20

[Install]
WantedBy=multi-user.target
"""
    if kind == "compose":
        return f"""# docker-compose.yml (service part); install pgwarden[server] in the image for --health-port
services:
  {name}:
    build: .
    env_file: .env
    command: {shlex.join(run.split())}
    restart: unless-stopped
    stop_grace_period: 20s
    healthcheck:
      test: ["CMD", "pgwarden", "health", "--url", "http://127.0.0.1:8081"]
      interval: 30s
      timeout: 6s
      retries: 3
      start_period: 60s
"""
    if kind == "paas":
        return f"""# Procfile (Heroku, Railway, Render, Fly: the start command); DATABASE_URL comes from the platform
worker: pgwarden run --telegram -- {entry}
# Health checks where the platform supports them: add --health-port $PORT and point it at /health/ready
"""
    raise ValueError(kind)
