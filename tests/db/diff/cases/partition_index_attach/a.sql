-- A partition's own unique index and a plain index, left unattached: the parents' indexes stay invalid.
CREATE TABLE events (id integer NOT NULL, kind text NOT NULL) PARTITION BY LIST (kind);
CREATE TABLE events_chat PARTITION OF events FOR VALUES IN ('chat');
ALTER TABLE ONLY events ADD CONSTRAINT events_pkey PRIMARY KEY (kind, id);
CREATE UNIQUE INDEX events_chat_pkey ON events_chat (kind, id);
CREATE INDEX events_id_idx ON ONLY events (id);
CREATE INDEX events_chat_by_id ON events_chat (id);
