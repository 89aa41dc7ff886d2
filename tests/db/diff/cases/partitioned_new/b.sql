CREATE TABLE users (id integer PRIMARY KEY);
CREATE TABLE messages (
    id bigint NOT NULL,
    user_id integer REFERENCES users (id),
    sent_at date NOT NULL,
    body text DEFAULT '',
    PRIMARY KEY (id, sent_at)
) PARTITION BY RANGE (sent_at);
CREATE INDEX messages_user_idx ON messages (user_id);
CREATE TABLE messages_2024 PARTITION OF messages FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE messages_2025 PARTITION OF messages FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
ALTER TABLE messages_2025 ALTER COLUMN body SET DEFAULT 'new';
CREATE TABLE messages_rest PARTITION OF messages DEFAULT;
CREATE INDEX messages_rest_body_idx ON messages_rest (body);
CREATE TABLE tenants (id integer, region text NOT NULL) PARTITION BY LIST (region);
CREATE TABLE tenants_eu PARTITION OF tenants FOR VALUES IN ('eu') PARTITION BY HASH (id);
CREATE TABLE tenants_eu_0 PARTITION OF tenants_eu FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE tenants_eu_1 PARTITION OF tenants_eu FOR VALUES WITH (MODULUS 2, REMAINDER 1);
