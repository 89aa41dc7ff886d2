CREATE TABLE metrics (
    id integer PRIMARY KEY,
    hits integer NOT NULL DEFAULT 0,
    label varchar(20),
    ratio real,
    code text DEFAULT '7',
    seen date
);
CREATE INDEX metrics_label_idx ON metrics (label);
INSERT INTO metrics VALUES (1, 5, 'a', 0.5, '42', '2024-01-01');
