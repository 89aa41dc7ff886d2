CREATE TABLE t (id integer PRIMARY KEY, a integer, b integer);
CREATE VIEW base AS SELECT id AS key, b AS a FROM t;
CREATE VIEW middle AS SELECT key AS id, a FROM base WHERE a > 0;
CREATE VIEW top AS SELECT count(*) AS n FROM middle;
CREATE VIEW z_source AS SELECT id FROM t;
CREATE VIEW a_reader AS SELECT id FROM z_source;
CREATE VIEW b_reader AS SELECT r.id FROM a_reader r JOIN middle m USING (id);
