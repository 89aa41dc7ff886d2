CREATE TABLE t (id integer PRIMARY KEY, a integer, b integer);
CREATE VIEW base AS SELECT id, a FROM t;
CREATE VIEW middle AS SELECT id, a FROM base WHERE a > 0;
CREATE VIEW top AS SELECT count(*) AS n FROM middle;
