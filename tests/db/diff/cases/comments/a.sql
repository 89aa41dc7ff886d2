CREATE TABLE notes (id integer PRIMARY KEY, body text, extra text);
COMMENT ON TABLE notes IS 'old';
COMMENT ON COLUMN notes.extra IS 'to be removed';
CREATE VIEW notes_v AS SELECT id FROM notes;
