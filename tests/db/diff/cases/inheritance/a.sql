CREATE TABLE events (id bigint NOT NULL, at timestamptz DEFAULT now(), kind text);
CREATE TABLE clicks (x integer) INHERITS (events);
CREATE TABLE legacy (id bigint NOT NULL, at timestamptz, kind text);
