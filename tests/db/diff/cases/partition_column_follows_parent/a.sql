-- A partitioned table's column changes type and collation: ALTER on the parent reaches every
-- partition, sub-partitions too; a partition's own ALTER of that column would fail ("cannot
-- alter inherited column"), so none is written for it,
-- even where the partition's own NOT NULL on that column changes too.
CREATE TABLE events (
    id int,
    kind text,
    label text COLLATE "C",
    amount int
) PARTITION BY LIST (kind);
CREATE TABLE events_a PARTITION OF events (label NOT NULL) FOR VALUES IN ('a');
CREATE TABLE events_b PARTITION OF events FOR VALUES IN ('b') PARTITION BY RANGE (id);
CREATE TABLE events_b_low PARTITION OF events_b FOR VALUES FROM (0) TO (100);
