CREATE TABLE notes (id integer PRIMARY KEY, body text, extra text);
COMMENT ON TABLE notes IS 'Notes users leave; it''s quoted';
COMMENT ON COLUMN notes.body IS 'markdown';
CREATE VIEW notes_v AS SELECT id FROM notes;
COMMENT ON VIEW notes_v IS 'ids only';
