CREATE TABLE events (id bigint NOT NULL, at timestamptz DEFAULT now(), kind text, source text);
CREATE TABLE clicks (x integer, y integer) INHERITS (events);
CREATE TABLE views_seen (page text) INHERITS (events);
CREATE TABLE legacy (id bigint NOT NULL, at timestamptz, kind text, source text) INHERITS (events);
CREATE TABLE empty_child () INHERITS (events);
