CREATE TABLE metrics (
    id bigint PRIMARY KEY,
    hits bigint NOT NULL DEFAULT 0,
    label text,
    ratio double precision,
    code integer DEFAULT 7,
    seen timestamp without time zone
);
CREATE INDEX metrics_label_idx ON metrics (label);
