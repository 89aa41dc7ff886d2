"""Snapshot files: exact round trip, canonical diff-friendly text, atomic writes, clear errors."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pgwarden import __version__
from pgwarden.catalog import serialize
from pgwarden.catalog.model import (
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
from pgwarden.contract import snapshot
from pgwarden.errors import SourceError

T = TypeVar("T")

names = st.text(st.characters(codec="utf-8"), min_size=1, max_size=8)
texts = st.text(st.characters(codec="utf-8"), max_size=24)
maybe_texts = st.none() | texts
name_tuples = st.lists(names, max_size=3).map(tuple)


def sorted_unique(
    items: st.SearchStrategy[T], key: Callable[[T], Any], max_size: int = 3
) -> st.SearchStrategy[tuple[T, ...]]:
    return st.lists(items, unique_by=key, max_size=max_size).map(lambda xs: tuple(sorted(xs, key=key)))


columns = st.builds(
    Column,
    name=names,
    type=texts,
    nullable=st.booleans(),
    default=maybe_texts,
    identity=st.sampled_from([None, "always", "by default"]),
    generated=maybe_texts,
    collation=maybe_texts,
    comment=maybe_texts,
)
constraints = st.builds(
    Constraint,
    name=names,
    kind=st.sampled_from(["primary_key", "unique", "foreign_key", "check", "exclusion"]),
    definition=texts,
    columns=name_tuples,
    deferrable=st.booleans(),
    initially_deferred=st.booleans(),
    validated=st.booleans(),
    references=maybe_texts,
)
indexes = st.builds(
    Index,
    name=names,
    definition=texts,
    columns=name_tuples,
    unique=st.booleans(),
    primary=st.booleans(),
    predicate=maybe_texts,
    valid=st.booleans(),
    constraint=maybe_texts,
)
triggers = st.builds(
    Trigger,
    name=names,
    table=texts,
    timing=st.sampled_from(["before", "after", "instead of"]),
    events=st.lists(st.sampled_from(["delete", "insert", "truncate", "update"]), unique=True, min_size=1).map(
        lambda e: tuple(sorted(e))
    ),
    level=st.sampled_from(["row", "statement"]),
    function=texts,
    definition=texts,
    when=maybe_texts,
    enabled=st.sampled_from(["origin", "disabled", "replica", "always"]),
)
policies = st.builds(
    Policy,
    name=names,
    table=texts,
    command=st.sampled_from(["all", "select", "insert", "update", "delete"]),
    permissive=st.booleans(),
    roles=name_tuples,
    using=maybe_texts,
    with_check=maybe_texts,
)
tables = st.builds(
    Table,
    schema=names,
    name=names,
    kind=st.sampled_from(["table", "partitioned"]),
    columns=st.lists(columns, unique_by=lambda c: c.name, max_size=4).map(tuple),
    constraints=sorted_unique(constraints, lambda c: c.name),
    indexes=sorted_unique(indexes, lambda i: i.name),
    triggers=sorted_unique(triggers, lambda t: t.name),
    policies=sorted_unique(policies, lambda p: p.name),
    partition_key=maybe_texts,
    partition_of=maybe_texts,
    partition_bound=maybe_texts,
    rls_enabled=st.booleans(),
    rls_forced=st.booleans(),
    unlogged=st.booleans(),
    comment=maybe_texts,
)
views = st.builds(
    View,
    schema=names,
    name=names,
    definition=texts,
    materialized=st.booleans(),
    columns=name_tuples,
    indexes=sorted_unique(indexes, lambda i: i.name),
    comment=maybe_texts,
)
sequences = st.builds(
    Sequence,
    schema=names,
    name=names,
    data_type=texts,
    start=st.integers(),
    increment=st.integers(),
    min_value=st.none() | st.integers(),
    max_value=st.none() | st.integers(),
    cache=st.integers(),
    cycle=st.booleans(),
    owned_by=maybe_texts,
)
enums = st.builds(Enum, schema=names, name=names, labels=name_tuples)
domains = st.builds(
    Domain,
    schema=names,
    name=names,
    type=texts,
    nullable=st.booleans(),
    default=maybe_texts,
    constraints=sorted_unique(st.tuples(names, texts), lambda c: c[0]),
    collation=maybe_texts,
)
functions = st.builds(
    Function,
    schema=names,
    name=names,
    arguments=texts,
    kind=st.sampled_from(["function", "procedure", "aggregate", "window"]),
    returns=maybe_texts,
    language=texts,
    volatility=st.sampled_from(["immutable", "stable", "volatile"]),
    strict=st.booleans(),
    security_definer=st.booleans(),
    body_hash=texts,
    definition=texts,
)
extensions = st.builds(Extension, name=names, version=texts, schema=names)


def qual(obj: Any) -> tuple[str, str]:
    return (obj.schema, obj.name)


schemas = st.builds(
    Schema,
    schemas=st.lists(names, unique=True, max_size=3).map(lambda s: tuple(sorted(s))),
    tables=sorted_unique(tables, qual),
    views=sorted_unique(views, qual),
    sequences=sorted_unique(sequences, qual),
    enums=sorted_unique(enums, qual),
    domains=sorted_unique(domains, qual),
    functions=sorted_unique(functions, lambda f: f.qualname),
    extensions=sorted_unique(extensions, lambda e: e.name),
    server_version=st.none() | st.integers(min_value=120000, max_value=189999),
)

HERE = Path("snap.json")


@settings(max_examples=150, deadline=None)
@given(schemas)
def test_round_trip_is_exact(schema: Schema) -> None:
    text = serialize.dumps(schema)
    back = serialize.loads(text, path=HERE)
    assert back == schema
    assert back.server_version == schema.server_version
    assert serialize.dumps(back) == text


@settings(max_examples=150, deadline=None)
@given(schemas)
def test_file_is_byte_for_byte_what_the_standard_json_module_writes(schema: Schema) -> None:
    # dumps writes with orjson for speed; files written before (json.dumps) must not change.
    text = serialize.dumps(schema)
    assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"


@settings(max_examples=150, deadline=None)
@given(schemas)
def test_objects_orjson_writes_itself_read_as_the_explicit_walk(schema: Schema) -> None:
    # dumps leaves plain dataclasses (columns, indexes, ...) to orjson; the file must be what the
    # field-by-field walk gives, which the standard library writes.
    walked = json.dumps(serialize._document(schema, native=False), indent=2, ensure_ascii=False) + "\n"
    assert serialize.dumps(schema) == walked


def test_what_orjson_refuses_is_still_written() -> None:
    huge = Schema(sequences=(Sequence("public", "s", max_value=2**70),))
    odd = Schema(tables=(Table("public", "t", comment="lone \udc80 surrogate"),))
    for schema in (huge, odd):
        text = serialize.dumps(schema)
        assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"
    assert serialize.loads(serialize.dumps(huge), path=HERE) == huge


@settings(max_examples=50, deadline=None)
@given(schemas)
def test_order_of_named_collections_does_not_change_the_file(schema: Schema) -> None:
    shuffled = replace(
        schema,
        tables=tuple(
            replace(t, indexes=t.indexes[::-1], constraints=t.constraints[::-1])
            for t in reversed(schema.tables)
        ),
        functions=schema.functions[::-1],
        extensions=schema.extensions[::-1],
        schemas=schema.schemas[::-1],
    )
    assert serialize.dumps(shuffled) == serialize.dumps(schema)


def small_schema() -> Schema:
    return Schema(
        schemas=("public",),
        tables=(
            Table(
                schema="public",
                name="jobs",
                columns=(
                    Column(name="id", type="bigint", nullable=False, identity="always"),
                    Column(name="chat_id", type="bigint"),
                ),
                constraints=(
                    Constraint(
                        name="jobs_pkey", kind="primary_key", definition="PRIMARY KEY (id)", columns=("id",)
                    ),
                ),
                indexes=(
                    Index(
                        name="jobs_pkey",
                        definition="CREATE UNIQUE INDEX jobs_pkey ON public.jobs USING btree (id)",
                        columns=("id",),
                        unique=True,
                        primary=True,
                        constraint="jobs_pkey",
                    ),
                ),
            ),
        ),
        enums=(Enum(schema="public", name="mood", labels=("sad", "ok", "happy")),),
        server_version=150004,
    )


def test_document_layout_is_diff_friendly() -> None:
    text = serialize.dumps(small_schema())
    assert text.endswith("}\n") and not text.endswith("\n\n")
    doc = json.loads(text)
    assert list(doc) == ["format", "version", "pgwarden", "server_version", "schema"]
    assert doc["format"] == "pgwarden-snapshot"
    assert doc["version"] == 1
    assert doc["pgwarden"] == __version__
    assert doc["server_version"] == 150004
    assert list(doc["schema"]) == [
        "schemas",
        "tables",
        "views",
        "sequences",
        "enums",
        "domains",
        "functions",
        "extensions",
        "collations",
        "composite_types",
        "grants",
        "owners",
        "default_privileges",
    ]
    assert list(doc["schema"]["tables"][0])[:3] == ["schema", "name", "kind"]
    assert doc["schema"]["enums"][0]["labels"] == ["sad", "ok", "happy"]  # order of labels kept
    assert '\n  "format": "pgwarden-snapshot",\n' in text  # indent 2, one key per line


def test_write_is_atomic_and_load_reads_it(tmp_path: Path) -> None:
    path = tmp_path / "schema" / "snapshot.json"
    serialize.write(small_schema(), path)
    serialize.write(replace(small_schema(), enums=()), path)
    assert sorted(p.name for p in path.parent.iterdir()) == ["snapshot.json"]
    assert path.read_bytes().endswith(b"}\n") and b"\r\n" not in path.read_bytes()
    expected = snapshot.load(path)
    assert expected.kind == "snapshot"
    assert expected.schema == replace(small_schema(), enums=())
    assert expected.schema.server_version == 150004
    assert "snapshot.json" in expected.label


def test_write_failure_names_the_file(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(SourceError, match=r"Cannot write snapshot file .*file/snapshot\.json"):
        serialize.write(small_schema(), blocker / "snapshot.json")


def test_missing_file_says_how_to_create_it(tmp_path: Path) -> None:
    with pytest.raises(
        SourceError, match=r"snapshot\.json does not exist: create it with `pgwarden snapshot`"
    ):
        snapshot.load(tmp_path / "snapshot.json")


def good_doc() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(serialize.dumps(small_schema()))
    return doc


def mutate(change: Callable[[dict[str, Any]], object]) -> str:
    doc = good_doc()
    change(doc)
    return json.dumps(doc)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"format": "pgwarden-snapshot", "version": 1,', r"is not valid JSON \(line 1, column \d+"),
        ("[1, 2]", 'is not a pgwarden snapshot \\(it lacks "format": "pgwarden-snapshot"\\)'),
        (mutate(lambda d: d.update(format="migra")), "is not a pgwarden snapshot"),
        (
            mutate(lambda d: d.update(version=2)),
            f"format version 2, written by pgwarden {re.escape(__version__)}; this pgwarden",
        ),
        (
            mutate(lambda d: (d.update(version=2), d.pop("pgwarden"))),
            r"format version 2, written by a newer pgwarden",
        ),
        (mutate(lambda d: d.update(version="1")), r"unknown format version '1'"),
        (mutate(lambda d: d.update(version=0)), r"unknown format version 0"),
        (mutate(lambda d: d.pop("version")), r"unknown format version None"),
        (mutate(lambda d: d.pop("schema")), r"damaged: `schema` missing"),
        (mutate(lambda d: d.update(server_version="15")), r"`server_version` must be an integer"),
        (mutate(lambda d: d["schema"]["tables"][0].pop("name")), r"`schema\.tables\[0\]\.name` is missing"),
        (
            mutate(lambda d: d["schema"]["tables"][0]["columns"][1].update(nullable="yes")),
            r"`schema\.tables\[0\]\.columns\[1\]\.nullable` must be true or false, got the string 'yes'",
        ),
        (
            mutate(lambda d: d["schema"]["tables"][0].update(kind="view")),
            r"`schema\.tables\[0\]\.kind` is 'view', expected one of 'table', 'partitioned'",
        ),
        (
            mutate(lambda d: d["schema"]["tables"][0].update(colums=[])),
            r"`schema\.tables\[0\]\.colums` is not a known field",
        ),
        (mutate(lambda d: d["schema"].update(tables={})), r"`schema\.tables` must be a list, got an object"),
        (
            mutate(lambda d: d["schema"].update(tables=[3])),
            r"`schema\.tables\[0\]` must be an object, got the number 3",
        ),
        (
            mutate(lambda d: d["schema"]["enums"][0].update(labels=["a", None])),
            r"`schema\.enums\[0\]\.labels\[1\]` must be a string, got null",
        ),
    ],
)
def test_bad_documents_name_the_file_and_what_to_do(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "snap.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourceError, match=expected) as info:
        snapshot.load(path)
    message = str(info.value)
    assert str(path) in message
    assert "pgwarden snapshot" in message or "upgrade pgwarden" in message


def test_optional_fields_may_be_left_out() -> None:
    doc = good_doc()
    for key in ("views", "sequences", "domains", "functions", "extensions"):
        del doc["schema"][key]
    del doc["schema"]["tables"][0]["columns"][1]["comment"]
    assert serialize.loads(json.dumps(doc), path=HERE) == small_schema()


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "snap.json"
    path.write_bytes(b"\xff\xfe{}")
    with pytest.raises(SourceError, match="is not UTF-8 text; regenerate it with `pgwarden snapshot`"):
        snapshot.load(path)
