-- The partition's index is named: only pg_dump showed the difference before.
CREATE TABLE events (id integer NOT NULL, kind text NOT NULL) PARTITION BY LIST (kind);
CREATE TABLE events_chat PARTITION OF events FOR VALUES IN ('chat');
CREATE INDEX events_kind_id_idx ON ONLY events (kind, id);
CREATE INDEX events_chat_lookup ON events_chat (kind, id);
ALTER INDEX events_kind_id_idx ATTACH PARTITION events_chat_lookup;
