CREATE TABLE logs (id bigint NOT NULL, at date NOT NULL, level text) PARTITION BY RANGE (at);
CREATE TABLE logs_2024 PARTITION OF logs FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE logs_old (id bigint NOT NULL, at date NOT NULL, level text);
CREATE TABLE stats (id integer, day date NOT NULL) PARTITION BY RANGE (day);
