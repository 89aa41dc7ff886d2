CREATE TABLE users (id integer PRIMARY KEY, name text, legacy_flag boolean NOT NULL DEFAULT false, old_notes text);
CREATE INDEX users_old_notes_idx ON users (old_notes);
