-- ALTER DEFAULT PRIVILEGES: database-wide and per schema, a grant added, one taken away, a
-- built-in default (PUBLIC's EXECUTE on new functions) revoked on one side only.
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pgw_bot') THEN CREATE ROLE pgw_bot; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pgw_reader') THEN CREATE ROLE pgw_reader; END IF;
END $$;
CREATE SCHEMA app;
ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO pgw_reader;
ALTER DEFAULT PRIVILEGES GRANT USAGE ON SEQUENCES TO pgw_reader;
