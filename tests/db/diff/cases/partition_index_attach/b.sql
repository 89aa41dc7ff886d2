-- The same indexes attached: the partition's primary key backs the parent's, both indexes valid.
CREATE TABLE events (id integer NOT NULL, kind text NOT NULL) PARTITION BY LIST (kind);
CREATE TABLE events_chat PARTITION OF events FOR VALUES IN ('chat');
ALTER TABLE ONLY events ADD CONSTRAINT events_pkey PRIMARY KEY (kind, id);
CREATE UNIQUE INDEX events_chat_pkey ON events_chat (kind, id);
ALTER TABLE events_chat ADD CONSTRAINT events_chat_pkey PRIMARY KEY USING INDEX events_chat_pkey;
ALTER INDEX events_pkey ATTACH PARTITION events_chat_pkey;
CREATE INDEX events_id_idx ON ONLY events (id);
CREATE INDEX events_chat_by_id ON events_chat (id);
ALTER INDEX events_id_idx ATTACH PARTITION events_chat_by_id;
