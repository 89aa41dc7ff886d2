-- The partition's index got the name the server generates.
CREATE TABLE events (id integer NOT NULL, kind text NOT NULL) PARTITION BY LIST (kind);
CREATE TABLE events_chat PARTITION OF events FOR VALUES IN ('chat');
CREATE INDEX events_kind_id_idx ON events (kind, id);
