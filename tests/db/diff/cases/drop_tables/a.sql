CREATE TABLE keep (id integer PRIMARY KEY);
CREATE TABLE old_parent (id serial PRIMARY KEY, keep_id integer REFERENCES keep (id));
CREATE TABLE old_child (id integer PRIMARY KEY, parent_id integer REFERENCES old_parent (id));
CREATE INDEX old_child_parent ON old_child (parent_id);
CREATE VIEW old_view AS SELECT c.id FROM old_child c JOIN old_parent p ON p.id = c.parent_id;
CREATE TABLE old_events (id integer, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE old_events_1 PARTITION OF old_events FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
CREATE TABLE keep_ref (id integer PRIMARY KEY, parent_id integer REFERENCES old_parent (id));
