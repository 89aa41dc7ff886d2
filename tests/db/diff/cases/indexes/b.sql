CREATE TABLE events (id integer PRIMARY KEY, kind text, payload jsonb, created_at timestamptz, user_id integer);
CREATE INDEX events_kind_idx ON events (kind, created_at DESC);
CREATE INDEX events_recent_idx ON events (created_at) WHERE kind <> 'noise';
CREATE UNIQUE INDEX events_lower_kind ON events (lower(kind), user_id);
CREATE INDEX events_user_id_idx ON events (user_id);
CREATE INDEX events_payload_gin ON events USING gin (payload jsonb_path_ops);
