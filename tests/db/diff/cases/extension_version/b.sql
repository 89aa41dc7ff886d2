-- requires: hstore
-- requires: pg_trgm
CREATE EXTENSION hstore;
CREATE TABLE docs (id integer PRIMARY KEY, attrs hstore);
