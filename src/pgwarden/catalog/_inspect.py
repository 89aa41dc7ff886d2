"""Reading a live database into a ``Schema`` with a fixed number of catalog queries."""

from __future__ import annotations

import fnmatch
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext, suppress
from typing import Any, TypeVar

import psycopg
from psycopg.pq import TransactionStatus

from . import _more
from . import _settings as settings
from ._objects import columns as _columns
from ._objects import routine as _function
from ._prefetch import SAVEPOINT, UNDO, Queries, first, query
from ._share import Inputs, TableShare, inputs, same
from ._spell import Attributes, finish_constraints, finish_indexes
from ._triggers import trigger as _trigger
from .acl import PRIVILEGE_QUERIES, add_privileges
from .model import (
    Column,
    Constraint,
    Domain,
    Enum,
    Extension,
    Index,
    IndexPart,
    Policy,
    Schema,
    Table,
    View,
)
from .model import (
    Sequence as SequenceObj,
)

QUERIES: tuple[str, ...] = (
    "schemas",
    "tables",
    "columns",
    "comments",
    "constraints",
    "indexes",
    "opclasses",
    "triggers",
    "policies",
    "sequences",
    "views",
    "enums",
    "domains",
    "functions",
    "extensions",
    *_more.QUERIES,
    "relation_settings",
    "identity_options",
)
"""The catalog queries ``inspect`` runs, one each, whatever the number of tables."""

_CONSTRAINT_KINDS = {"p": "primary_key", "u": "unique", "f": "foreign_key", "c": "check", "x": "exclusion"}
_POLICY_CMD = {"*": "all", "r": "select", "a": "insert", "w": "update", "d": "delete"}
_PART_CONSTRAINT: dict[str, Any] = {"": None, "p": "primary key", "u": "unique", "x": "exclusion"}

T = TypeVar("T")


class _Ignore:
    """Glob patterns from the ``ignore`` setting, matched against qualified and bare names."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self.patterns = tuple(patterns)

    def __call__(self, *names: str) -> bool:
        if not self.patterns:
            return False
        return any(fnmatch.fnmatchcase(name, p) for name in names for p in self.patterns)


def inspect(
    conn: psycopg.Connection[Any],
    *,
    schemas: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> Schema:
    """Read every user-defined object of the database behind ``conn``.

    ``schemas`` limits the schemas read (default: every non-system schema);
    ``ignore`` holds glob patterns of objects to skip (``public.legacy_*``,
    ``*.audit_log``, ``public.t.tmp_col``). pgwarden's own ``pgwarden`` schema,
    ``pg_catalog``, ``information_schema`` and ``pg_toast`` are never read.
    """
    return _inspect(conn, schemas, ignore, privileges=False)


def inspect_with_privileges(
    conn: psycopg.Connection[Any],
    *,
    schemas: Sequence[str] = (),
    ignore: Sequence[str] = (),
    share: TableShare | None = None,
    restore: bool = True,
) -> Schema:
    """``inspect`` plus owners and grants, as ``acl.with_privileges(conn, inspect(conn))`` reads
    them, but sent with the other catalog queries (one transaction, no round trips of their own).

    ``share``, given to two inspections running at the same time, lets the second use each table
    the first built from the same rows instead of building it again (``_share.py``).
    ``restore`` false (inside the caller's transaction, which then ends or names every object with
    its schema): the inspection's settings (an empty ``search_path``) stay, a round trip less."""
    return _inspect(conn, schemas, ignore, privileges=True, share=share, restore=restore)


def _inspect(
    conn: psycopg.Connection[Any],
    schemas: Sequence[str],
    ignore: Sequence[str],
    *,
    privileges: bool,
    share: TableShare | None = None,
    restore: bool = True,
) -> Schema:
    # An empty search_path makes every name the server deparses schema-qualified, so the same object
    # prints the same way whatever the session's settings. JIT is off for the transaction: on thousands
    # of tables the planner's estimates cross jit_above_cost, and compiling then costs more than running
    # these short catalog queries. Sent with the first query (a round trip costs a remote's latency).
    idle = conn.info.transaction_status == TransactionStatus.IDLE
    if idle or not restore:
        with conn.transaction() if idle else nullcontext():
            return _read(conn, first(conn, b"", schemas), ignore=ignore, privileges=privileges, share=share)
    # Inside the caller's transaction: a savepoint, opened in that same round trip and rolled back
    # afterwards, puts the settings back (the inspection writes nothing else to undo).
    try:
        schema = _read(
            conn, first(conn, SAVEPOINT, schemas), ignore=ignore, privileges=privileges, share=share
        )
    except BaseException:
        if not conn.broken:
            with suppress(psycopg.Error):  # the first error is the one to report
                conn.execute(UNDO)
        raise
    conn.execute(UNDO)
    return schema


def _read(
    conn: psycopg.Connection[Any],
    nsp_rows: list[tuple[Any, ...]],
    *,
    ignore: Sequence[str],
    privileges: bool,
    share: TableShare | None,
) -> Schema:
    version = conn.info.server_version
    skip = _Ignore(ignore)

    run = Queries(conn, lambda name: query(name, version))

    schema_names = tuple(name for _, name in nsp_rows if not skip(name))
    nsp = [oid for oid, name in nsp_rows if name in schema_names]
    run.prefetch(QUERIES[1:] + (PRIVILEGE_QUERIES if privileges else ()), nsp=nsp)

    tables_rows = run("tables", nsp=nsp)
    columns_by_rel = _group(run("columns", nsp=nsp))
    comment_rows = run("comments", nsp=nsp)
    comments = {(oid, sub): text for oid, sub, text in comment_rows}
    attributes = Attributes(columns_by_rel)
    constraints_by_rel = _group(
        finish_constraints(
            run("constraints", nsp=nsp),
            attributes,
            lambda oids: {oid: (d, c) for oid, d, c in run("constraint_definitions", oids=oids)},
        )
    )
    indexes_by_rel = _group(
        finish_indexes(
            run("indexes", nsp=nsp),
            attributes,
            dict(run("opclasses")),  # type: ignore[arg-type]
            lambda oids: dict(run("index_definitions", oids=oids)),  # type: ignore[arg-type]
        )
    )
    triggers_by_rel = _group(run("triggers", nsp=nsp))
    policies_by_rel = _group(run("policies", nsp=nsp))
    rel_settings = settings.group_settings(run("relation_settings", nsp=nsp))
    identity = settings.group_identity(run("identity_options", nsp=nsp))

    tables: list[Table] = []
    oids: dict[str, int] = {}
    made: dict[tuple[Any, ...], Column] = {}
    # With a share: the first inspection to get here builds every table and offers it with the
    # rows it was built from; the other takes an offered table whose rows its own repeat.
    building = share is not None and share.claim(skip.patterns)
    offered = share.wait(skip.patterns) if share is not None and not building else {}
    built: dict[str, tuple[Inputs, Table]] = {}
    by_rel = (
        columns_by_rel,
        _group(comment_rows),
        constraints_by_rel,
        indexes_by_rel,
        triggers_by_rel,
        policies_by_rel,
    )
    try:
        for row in tables_rows:
            oid, schema, name, relkind, part_key, part_of, part_bound, rls, rls_forced, unlogged = row
            qual = f"{schema}.{name}"
            if skip(qual, name):
                continue
            oids[qual] = oid
            if share is not None:
                own = inputs(row, by_rel, (rel_settings, identity))
                if qual in offered and same(offered[qual][0], own):
                    tables.append(offered[qual][1])
                    continue
            tables.append(
                Table(
                    schema=schema,
                    name=name,
                    kind="partitioned" if relkind == "p" else "table",
                    columns=settings.with_identity_options(
                        _columns(columns_by_rel.get(oid, ()), qual, skip, comments, made),
                        identity.get(oid, {}),
                    ),
                    constraints=_sorted(
                        Constraint(
                            name=cname,
                            kind=_CONSTRAINT_KINDS[ctype],  # type: ignore[arg-type]
                            definition=definition,
                            columns=tuple(cols or ()),
                            deferrable=deferrable,
                            initially_deferred=deferred,
                            # PostgreSQL 18 marks a NOT ENFORCED constraint not validated; there is
                            # nothing to validate (VALIDATE CONSTRAINT refuses it), and the definition
                            # text carries NOT ENFORCED, so that difference is still drift.
                            validated=validated or definition.endswith(" NOT ENFORCED"),
                            references=references,
                        )
                        for cname, ctype, definition, cols, deferrable, deferred, validated, references in (
                            r[1:] for r in constraints_by_rel.get(oid, ())
                        )
                        if not skip(f"{qual}.{cname}")
                    ),
                    indexes=_indexes(indexes_by_rel.get(oid, ()), qual, skip),
                    triggers=_sorted(
                        _trigger(qual, *r[1:])
                        for r in triggers_by_rel.get(oid, ())
                        if not skip(f"{qual}.{r[1]}")
                    ),
                    policies=_sorted(
                        Policy(
                            name=pname,
                            table=qual,
                            command=_POLICY_CMD[cmd],  # type: ignore[arg-type]
                            permissive=permissive,
                            roles=tuple(roles),
                            using=using,
                            with_check=check,
                        )
                        for pname, cmd, permissive, roles, using, check in (
                            r[1:] for r in policies_by_rel.get(oid, ())
                        )
                        if not skip(f"{qual}.{pname}")
                    ),
                    partition_key=part_key,
                    partition_of=part_of,
                    partition_bound=part_bound,
                    rls_enabled=rls,
                    rls_forced=rls_forced,
                    unlogged=unlogged,
                    comment=comments.get((oid, 0)),
                )
            )
            tables[-1] = settings.table_settings(tables[-1], rel_settings.get(oid))
            if building:
                built[qual] = (own, tables[-1])
    finally:
        if building and share is not None:
            share.offer(built)

    views = [
        settings.view_settings(
            View(
                schema=schema,
                name=name,
                definition=definition,
                materialized=materialized,
                columns=tuple(r[1] for r in columns_by_rel.get(oid, ())),
                indexes=_indexes(indexes_by_rel.get(oid, ()), f"{schema}.{name}", skip),
                comment=comments.get((oid, 0)),
                triggers=_sorted(_trigger(f"{schema}.{name}", *r[1:]) for r in triggers_by_rel.get(oid, ())),
            ),
            rel_settings.get(oid),
        )
        for oid, schema, name, materialized, definition in run("views", nsp=nsp)
        if not skip(f"{schema}.{name}", name)
    ]

    sequences = [
        SequenceObj(
            schema=schema,
            name=name,
            data_type=data_type,
            start=start,
            increment=increment,
            min_value=min_value,
            max_value=max_value,
            cache=cache_size,
            cycle=cycle,
            owned_by=owned_by,
        )
        for schema, name, data_type, start, increment, min_value, max_value, cache_size, cycle, owned_by in run(
            "sequences", nsp=nsp
        )
        if not skip(f"{schema}.{name}", name)
    ]

    enums = [
        Enum(schema=schema, name=name, labels=tuple(labels))
        for schema, name, labels in run("enums", nsp=nsp)
        if not skip(f"{schema}.{name}", name)
    ]

    domains = [
        Domain(
            schema=schema,
            name=name,
            type=type_,
            nullable=not notnull,
            default=default,
            collation=collation,
            constraints=tuple((c[0], c[1]) for c in constraints or ()),
        )
        for schema, name, type_, notnull, default, collation, constraints in run("domains", nsp=nsp)
        if not skip(f"{schema}.{name}", name)
    ]

    functions = [
        _function(*row)
        for row in run("functions", nsp=nsp)
        if not skip(f"{row[0]}.{row[1]}({row[2]})", f"{row[0]}.{row[1]}", row[1])
    ]

    extensions = [
        Extension(name=name, version=version_, schema=schema)
        for name, version_, schema in run("extensions")
        if not skip(name)
    ]

    core = Schema(
        schemas=schema_names,
        tables=tuple(tables),
        views=tuple(views),
        sequences=tuple(sequences),
        enums=tuple(enums),
        domains=tuple(domains),
        functions=tuple(sorted(functions, key=lambda f: f.qualname)),
        extensions=tuple(extensions),
        server_version=version,
    )
    complete = _more.complete(core, run, nsp, skip, oids)
    if not privileges:
        return complete
    return add_privileges(
        complete, run("privileges", nsp=nsp), run("default_privileges", nsp=nsp), ignore=skip.patterns
    )


def _group(rows: Iterable[tuple[Any, ...]]) -> dict[Any, list[tuple[Any, ...]]]:
    """Rows keyed by their first column (a relation oid)."""
    grouped: dict[Any, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        grouped[row[0]].append(row)
    return grouped


def _sorted(items: Iterable[T], key: Callable[[T], str] = lambda x: x.name) -> tuple[T, ...]:  # type: ignore[attr-defined]
    return tuple(sorted(items, key=key))


def _indexes(rows: Iterable[tuple[Any, ...]], table: str, skip: _Ignore) -> tuple[Index, ...]:
    return _sorted(
        Index(
            name=name,
            definition=definition,
            columns=tuple(columns or ()),
            unique=unique,
            primary=primary,
            predicate=predicate,
            valid=valid,
            constraint=constraint,
            attached=tuple(
                IndexPart(part, part_index, _PART_CONSTRAINT[kind])
                for part, part_index, kind in attached or ()
            ),
        )
        for _, name, definition, columns, unique, primary, predicate, valid, constraint, attached in rows
        if not skip(f"{table}.{name}")
    )
