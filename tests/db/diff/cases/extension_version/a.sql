CREATE EXTENSION hstore VERSION '1.7';
CREATE EXTENSION pg_trgm;
CREATE TABLE docs (id integer PRIMARY KEY, attrs hstore);
