-- Roles live in the cluster, not the database: both sides create them if they are not there yet.
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pgw_bot') THEN CREATE ROLE pgw_bot; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pgw_reader') THEN CREATE ROLE pgw_reader; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pgw_owner') THEN CREATE ROLE pgw_owner; END IF;
END $$;
CREATE SCHEMA app;
CREATE TABLE app.users (id serial PRIMARY KEY, name text, secret text);
CREATE TABLE app.audit (id integer, at timestamptz);
CREATE VIEW app.user_names AS SELECT id, name FROM app.users;
CREATE FUNCTION app.greet(name text) RETURNS text LANGUAGE sql AS $$ SELECT 'hi ' || name $$;
GRANT SELECT, INSERT, UPDATE, DELETE ON app.users TO pgw_reader;
GRANT SELECT ON app.user_names TO pgw_reader WITH GRANT OPTION;
GRANT SELECT (name, secret) ON app.users TO pgw_bot;
GRANT USAGE ON SCHEMA app TO pgw_reader;
