CREATE TABLE unrelated (id integer PRIMARY KEY);
CREATE TABLE teams (id integer PRIMARY KEY, captain_id integer);
CREATE TABLE players (id integer PRIMARY KEY, team_id integer REFERENCES teams (id));
ALTER TABLE teams ADD CONSTRAINT teams_captain_fk FOREIGN KEY (captain_id) REFERENCES players (id) DEFERRABLE INITIALLY DEFERRED;
CREATE TABLE a_child (id integer PRIMARY KEY, parent_id integer);
CREATE TABLE z_parent (id integer PRIMARY KEY, child_id integer REFERENCES a_child (id));
ALTER TABLE a_child ADD CONSTRAINT a_child_parent_fk FOREIGN KEY (parent_id) REFERENCES z_parent (id);
