CREATE TABLE documents (id integer PRIMARY KEY, owner text, public boolean);
CREATE TABLE notes (id integer PRIMARY KEY, owner text);
ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY notes_old ON notes USING (true);
CREATE POLICY notes_owner ON notes FOR SELECT USING (owner = current_user);
