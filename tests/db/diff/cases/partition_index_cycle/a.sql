-- A partition's primary key attached to the parent's plain unique index: neither can be
-- dropped alone (each requires the other).
CREATE TABLE events (id integer NOT NULL, kind text NOT NULL) PARTITION BY LIST (kind);
CREATE TABLE events_chat PARTITION OF events FOR VALUES IN ('chat');
CREATE UNIQUE INDEX events_pkey ON events (kind, id);
ALTER TABLE events_chat ADD CONSTRAINT events_chat_pkey PRIMARY KEY USING INDEX events_chat_kind_id_idx;
