"""Properties over generated schemas: a schema never differs from itself, order is never drift."""

from __future__ import annotations

import dataclasses
import json
import random
from typing import Protocol, TypeVar

from hypothesis import given, settings
from hypothesis import strategies as st

from pgwarden import codes
from pgwarden.catalog import (
    Column,
    Constraint,
    Domain,
    Enum,
    Extension,
    Function,
    Index,
    Policy,
    Schema,
    Sequence,
    Table,
    Trigger,
    View,
)
from pgwarden.catalog.model import TriggerEnabled
from pgwarden.diff import diff, render_sql, to_findings

NAMES = st.sampled_from(["id", "a", "b", "user_id", "created_at", "Name", "x y", "select", "état"])
TYPES = st.sampled_from(["integer", "bigint", "text", "character varying(20)", "boolean", "public.mood"])
SCHEMAS = st.sampled_from(["public", "app"])
OPT_TEXT = st.none() | st.sampled_from(["0", "now()", "'a'::text", "note"])


class _Named(Protocol):
    @property
    def name(self) -> str: ...


class _Qualified(Protocol):
    @property
    def qualname(self) -> str: ...


N = TypeVar("N", bound=_Named)
Q = TypeVar("Q", bound=_Qualified)
T = TypeVar("T")


def _unique(items: list[N]) -> tuple[N, ...]:
    """Items with distinct names, sorted by name, as the model keeps them."""
    seen: dict[str, N] = {}
    for item in items:
        seen.setdefault(item.name, item)
    return tuple(sorted(seen.values(), key=lambda i: i.name))


columns = st.builds(
    Column,
    name=NAMES,
    type=TYPES,
    nullable=st.booleans(),
    default=OPT_TEXT,
    identity=st.none() | st.sampled_from(["always", "by default"]),
    generated=st.none() | st.just("(a * 2)"),
    collation=st.none() | st.just("C"),
    comment=OPT_TEXT,
)
constraints = st.builds(
    Constraint,
    name=st.sampled_from(["t_pkey", "t_a_check", "t_b_key", "t_fk"]),
    kind=st.sampled_from(["primary_key", "unique", "check", "foreign_key", "exclusion"]),
    definition=st.sampled_from(
        ["PRIMARY KEY (id)", "CHECK ((a > 0))", "UNIQUE (b)", "CHECK ((a > 0)) NOT VALID"]
    ),
    deferrable=st.booleans(),
    validated=st.booleans(),
    references=st.none() | st.just("public.t"),
)
indexes = st.builds(
    Index,
    name=st.sampled_from(["ix_a", "ix_b", "t_pkey"]),
    definition=st.sampled_from(
        [
            "CREATE INDEX ix_a ON public.t USING btree (a)",
            "CREATE UNIQUE INDEX ix_b ON public.t USING btree (b)",
        ]
    ),
    unique=st.booleans(),
    valid=st.booleans(),
    constraint=st.none() | st.just("t_pkey"),
)


def _trigger(name: str, enabled: TriggerEnabled, when: str | None) -> Trigger:
    return Trigger(
        name,
        "public.t",
        "before",
        ("insert",),
        "row",
        "public.f",
        f"CREATE TRIGGER {name} BEFORE INSERT ON public.t FOR EACH ROW EXECUTE FUNCTION public.f()",
        when,
        enabled,
    )


triggers = st.builds(
    _trigger,
    st.sampled_from(["tr1", "tr2"]),
    st.sampled_from(["origin", "disabled", "replica", "always"]),
    st.none() | st.just("new.a > 0"),
)
policies = st.builds(
    Policy,
    name=st.sampled_from(["p1", "p2"]),
    table=st.just("public.t"),
    command=st.sampled_from(["all", "select"]),
    permissive=st.booleans(),
    roles=st.just(("public",)),
    using=OPT_TEXT,
)


@st.composite
def tables(draw: st.DrawFn) -> Table:
    # One of: a plain table, a partitioned table, a partition (as the catalog can have them).
    shape = draw(st.sampled_from(["plain", "partitioned", "partition"]))
    return Table(
        schema=draw(SCHEMAS),
        name=draw(st.sampled_from(["t", "users", "orders", "Odd Name"])),
        kind="partitioned" if shape == "partitioned" else "table",
        columns=_unique(draw(st.lists(columns, max_size=6))),
        constraints=_unique(draw(st.lists(constraints, max_size=3))),
        indexes=_unique(draw(st.lists(indexes, max_size=2))),
        triggers=_unique(draw(st.lists(triggers, max_size=2))),
        policies=_unique(draw(st.lists(policies, max_size=2))),
        partition_key=draw(st.sampled_from(["RANGE (a)", "LIST (b)"])) if shape == "partitioned" else None,
        partition_of="public.t" if shape == "partition" else None,
        partition_bound=draw(st.sampled_from(["FOR VALUES IN (1)", "DEFAULT"]))
        if shape == "partition"
        else None,
        rls_enabled=draw(st.booleans()),
        rls_forced=draw(st.booleans()),
        unlogged=draw(st.booleans()) if shape != "partitioned" else False,
        comment=draw(OPT_TEXT),
    )


def _unique_qualified(items: list[Q]) -> tuple[Q, ...]:
    seen: dict[str, Q] = {}
    for item in items:
        seen.setdefault(item.qualname, item)
    return tuple(sorted(seen.values(), key=lambda i: i.qualname))


@st.composite
def schemas(draw: st.DrawFn) -> Schema:
    views = st.builds(
        View,
        schema=SCHEMAS,
        name=st.sampled_from(["v1", "v2"]),
        definition=st.sampled_from([" SELECT t.a FROM public.t;", " SELECT v1.a FROM public.v1;"]),
        materialized=st.booleans(),
        columns=st.just(("a",)),
    )
    sequences = st.builds(
        Sequence,
        schema=SCHEMAS,
        name=st.sampled_from(["s1", "t_id_seq"]),
        increment=st.integers(1, 3),
        owned_by=st.none() | st.just("public.t.id"),
    )
    enums = st.builds(
        Enum,
        schema=SCHEMAS,
        name=st.just("mood"),
        labels=st.lists(st.sampled_from(["sad", "ok", "happy"]), unique=True).map(tuple),
    )
    domains = st.builds(
        Domain,
        schema=SCHEMAS,
        name=st.sampled_from(["posint", "email"]),
        type=TYPES,
        nullable=st.booleans(),
        default=OPT_TEXT,
    )
    functions = st.builds(
        Function,
        schema=SCHEMAS,
        name=st.sampled_from(["f", "g"]),
        arguments=st.sampled_from(["", "integer"]),
        returns=st.sampled_from(["integer", "trigger"]),
        body_hash=st.sampled_from(["h1", "h2"]),
        definition=st.just("CREATE OR REPLACE FUNCTION x"),
    )
    extensions = st.builds(
        Extension, name=st.sampled_from(["citext", "hstore"]), version=st.sampled_from(["1", "2"])
    )
    return Schema(
        schemas=tuple(sorted(set(draw(st.lists(SCHEMAS, max_size=2))))),
        tables=_unique_qualified(draw(st.lists(tables(), max_size=4))),
        views=_unique_qualified(draw(st.lists(views, max_size=2))),
        sequences=_unique_qualified(draw(st.lists(sequences, max_size=2))),
        enums=_unique_qualified(draw(st.lists(enums, max_size=1))),
        domains=_unique_qualified(draw(st.lists(domains, max_size=2))),
        functions=_unique_qualified(draw(st.lists(functions, max_size=2))),
        extensions=tuple(
            sorted({e.name: e for e in draw(st.lists(extensions, max_size=2))}.values(), key=lambda e: e.name)
        ),
    )


def _shuffled(schema: Schema, seed: int) -> Schema:
    """The same schema with every collection (and every table's columns) in another order."""
    rng = random.Random(seed)

    def mix(items: tuple[T, ...]) -> tuple[T, ...]:
        out = list(items)
        rng.shuffle(out)
        return tuple(out)

    tables = tuple(
        dataclasses.replace(
            t,
            columns=mix(t.columns),
            constraints=mix(t.constraints),
            indexes=mix(t.indexes),
            triggers=mix(t.triggers),
            policies=mix(t.policies),
        )
        for t in schema.tables
    )
    return dataclasses.replace(
        schema,
        tables=mix(tables),
        views=mix(schema.views),
        functions=mix(schema.functions),
        sequences=mix(schema.sequences),
    )


@given(schemas())
@settings(max_examples=200, deadline=None)
def test_a_schema_never_differs_from_itself(schema: Schema) -> None:
    assert diff(schema, schema) == []
    assert diff(schema, dataclasses.replace(schema)) == []


@given(schemas(), st.integers(0, 2**16))
@settings(max_examples=200, deadline=None)
def test_order_of_collections_and_columns_is_never_drift(schema: Schema, seed: int) -> None:
    assert diff(schema, _shuffled(schema, seed)) == []


@given(schemas(), schemas())
@settings(max_examples=250, deadline=None)
def test_any_two_schemas_diff_render_and_report(expected: Schema, actual: Schema) -> None:
    changes = diff(expected, actual)
    assert diff(expected, actual) == changes  # deterministic
    script = render_sql(changes)
    assert (script == "") == (changes == [])
    assert render_sql(changes, allow_destructive=True).count("-- destructive:") == script.count(
        "-- destructive:"
    )
    for finding in to_findings(changes):
        assert codes.for_kind(finding.kind).code == finding.code
        json.dumps(finding.to_dict())
