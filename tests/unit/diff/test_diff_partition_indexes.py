"""diff() of which partition indexes are attached to a partitioned table's index (``Index.attached``)."""

from __future__ import annotations

import dataclasses

from pgwarden.catalog import Column, Index, IndexPart, Schema, Table
from pgwarden.diff import IndexChange, diff, render_sql

ID = Column("id", "integer", False)
PARENT = Table(schema="public", name="logs", columns=(ID,), kind="partitioned", partition_key="RANGE (id)")
PART = Table(
    schema="public",
    name="logs_1",
    columns=(ID,),
    partition_of="public.logs",
    partition_bound="FOR VALUES FROM (1) TO (2)",
)
INDEX = Index("logs_id_idx", "CREATE INDEX logs_id_idx ON ONLY public.logs USING btree (id)", ("id",))


def _schema(index: Index, part: Table = PART) -> Schema:
    return Schema(tables=(dataclasses.replace(PARENT, indexes=(index,)), part))


def test_a_generated_name_against_a_named_one_is_a_rename() -> None:
    named = dataclasses.replace(INDEX, attached=(IndexPart("public.logs_1", "logs_1_lookup"),))
    generated = dataclasses.replace(INDEX, attached=(IndexPart("public.logs_1", "logs_1_id_idx"),))
    changes = diff(_schema(named), _schema(generated))
    assert [(c.kind, c.object) for c in changes] == [("index_mismatch", "public.logs.logs_id_idx")]
    assert isinstance(changes[0], IndexChange)
    assert render_sql(changes).strip() == 'ALTER INDEX "public"."logs_1_id_idx" RENAME TO "logs_1_lookup";'


def test_an_unattached_index_is_attached_not_dropped() -> None:
    local = Index("logs_1_lookup", "CREATE INDEX logs_1_lookup ON public.logs_1 USING btree (id)", ("id",))
    want = dataclasses.replace(INDEX, attached=(IndexPart("public.logs_1", "logs_1_lookup"),))
    have = dataclasses.replace(INDEX, valid=False)
    script = render_sql(diff(_schema(want), _schema(have, dataclasses.replace(PART, indexes=(local,)))))
    assert "DROP INDEX" not in script
    assert "REINDEX" not in script
    assert 'ALTER INDEX "public"."logs_id_idx" ATTACH PARTITION "public"."logs_1_lookup";' in script


def test_a_snapshot_without_attachments_is_not_drift() -> None:
    """A snapshot written before attachments were read lists none on a valid index: nothing to report."""
    live = dataclasses.replace(INDEX, attached=(IndexPart("public.logs_1", "logs_1_id_idx"),))
    assert diff(_schema(INDEX), _schema(live)) == []
