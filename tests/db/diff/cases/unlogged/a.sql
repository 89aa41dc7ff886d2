CREATE TABLE cache_entries (key text PRIMARY KEY, value text);
CREATE UNLOGGED TABLE sessions (id text PRIMARY KEY);
