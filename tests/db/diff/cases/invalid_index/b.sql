CREATE TABLE tokens (id integer PRIMARY KEY, token text);
CREATE UNIQUE INDEX tokens_token_key ON tokens (token);
