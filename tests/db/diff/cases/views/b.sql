CREATE TABLE users (id integer PRIMARY KEY, name text, active boolean);
CREATE VIEW active_users AS SELECT id, name FROM users WHERE active;
CREATE VIEW user_names (user_id, user_name) AS SELECT id, upper(name) FROM users;
CREATE VIEW inactive_users AS SELECT id FROM users WHERE NOT active;
