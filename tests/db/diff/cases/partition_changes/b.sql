CREATE TABLE logs (id bigint NOT NULL, at date NOT NULL, level text NOT NULL DEFAULT 'info', source text) PARTITION BY RANGE (at);
CREATE TABLE logs_2024 PARTITION OF logs FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE logs_2025 PARTITION OF logs FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE logs_old (id bigint NOT NULL, at date NOT NULL, level text NOT NULL DEFAULT 'info', source text);
ALTER TABLE logs ATTACH PARTITION logs_old FOR VALUES FROM ('2000-01-01') TO ('2024-01-01');
CREATE INDEX logs_at_idx ON logs (at);
CREATE TABLE stats (id integer, day date NOT NULL) PARTITION BY LIST (day);
