CREATE TABLE keep (id integer PRIMARY KEY);
CREATE TABLE keep_ref (id integer PRIMARY KEY, parent_id integer);
