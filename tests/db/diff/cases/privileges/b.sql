DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pgw_bot') THEN CREATE ROLE pgw_bot; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pgw_reader') THEN CREATE ROLE pgw_reader; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pgw_owner') THEN CREATE ROLE pgw_owner; END IF;
END $$;
CREATE SCHEMA app;
CREATE TABLE app.users (id serial PRIMARY KEY, name text, secret text);
CREATE TABLE app.audit (id integer, at timestamptz);
ALTER TABLE app.audit OWNER TO pgw_owner;
-- a column in the middle: the view is recreated, and gets its grants back
CREATE VIEW app.user_names AS SELECT id, 'x'::text AS tag, name FROM app.users;
CREATE FUNCTION app.greet(name text) RETURNS text LANGUAGE sql AS $$ SELECT 'hi ' || name $$;
REVOKE EXECUTE ON FUNCTION app.greet(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.greet(text) TO pgw_bot;
GRANT SELECT, INSERT, UPDATE ON app.users TO pgw_bot;
GRANT USAGE ON SEQUENCE app.users_id_seq TO pgw_bot;
GRANT SELECT ON app.user_names TO pgw_reader;
GRANT SELECT ON app.user_names TO pgw_bot;
GRANT SELECT (name) ON app.users TO pgw_bot;
GRANT USAGE ON SCHEMA app TO pgw_bot;
-- a new table comes with its grants
CREATE TABLE app.events (id integer);
GRANT INSERT ON app.events TO pgw_bot;
