CREATE TABLE events (
    id int,
    kind text,
    label text COLLATE "POSIX",
    amount bigint
) PARTITION BY LIST (kind);
CREATE TABLE events_a PARTITION OF events FOR VALUES IN ('a');
CREATE TABLE events_b PARTITION OF events FOR VALUES IN ('b') PARTITION BY RANGE (id);
CREATE TABLE events_b_low PARTITION OF events_b (label NOT NULL) FOR VALUES FROM (0) TO (100);
