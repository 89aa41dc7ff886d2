CREATE TABLE events (id integer PRIMARY KEY, kind text, payload jsonb, created_at timestamptz, user_id integer);
CREATE INDEX events_kind_idx ON events (kind);
CREATE INDEX events_old_idx ON events (created_at);
CREATE INDEX events_user_idx ON events (user_id);
CREATE INDEX events_payload_tmp ON events USING gin (payload);
