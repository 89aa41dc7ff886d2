-- The parent's primary key instead: its own index, the partition's key attached to it.
CREATE TABLE events (id integer NOT NULL, kind text NOT NULL) PARTITION BY LIST (kind);
CREATE TABLE events_chat PARTITION OF events FOR VALUES IN ('chat');
ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY (kind, id);
