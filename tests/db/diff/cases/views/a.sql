CREATE TABLE users (id integer PRIMARY KEY, name text, active boolean);
CREATE VIEW active_users AS SELECT id FROM users WHERE active;
CREATE VIEW user_names AS SELECT id, name FROM users;
CREATE VIEW obsolete AS SELECT 1 AS one;
