-- A new partitioned table whose partitions' indexes are named (not as the server would name
-- them): the script renames the ones the server creates.
CREATE TABLE accounts (id integer PRIMARY KEY);
CREATE TABLE events (id integer NOT NULL, kind text NOT NULL) PARTITION BY LIST (kind);
CREATE TABLE events_chat PARTITION OF events FOR VALUES IN ('chat');
CREATE TABLE events_pay PARTITION OF events FOR VALUES IN ('pay');
ALTER TABLE ONLY events ADD CONSTRAINT events_pkey PRIMARY KEY (kind, id);
ALTER TABLE events_chat ADD CONSTRAINT events_chat_key PRIMARY KEY (kind, id);
ALTER INDEX events_pkey ATTACH PARTITION events_chat_key;
ALTER TABLE events_pay ADD CONSTRAINT events_pay_pkey PRIMARY KEY (kind, id);
ALTER INDEX events_pkey ATTACH PARTITION events_pay_pkey;
CREATE INDEX events_id_idx ON ONLY events (id);
CREATE INDEX events_chat_by_id ON events_chat (id);
ALTER INDEX events_id_idx ATTACH PARTITION events_chat_by_id;
CREATE INDEX events_pay_id_idx ON events_pay (id);
ALTER INDEX events_id_idx ATTACH PARTITION events_pay_id_idx;
