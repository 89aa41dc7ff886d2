CREATE UNLOGGED TABLE cache_entries (key text PRIMARY KEY, value text);
CREATE TABLE sessions (id text PRIMARY KEY);
CREATE UNLOGGED TABLE scratchpad (id integer, note text);
