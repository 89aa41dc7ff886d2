CREATE TABLE tokens (id integer PRIMARY KEY, token text);
CREATE UNIQUE INDEX tokens_token_key ON tokens (token);
-- What a failed CREATE INDEX CONCURRENTLY leaves behind.
UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'tokens_token_key'::regclass;
