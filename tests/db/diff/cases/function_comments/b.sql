CREATE FUNCTION add(a integer, b integer) RETURNS integer LANGUAGE sql AS $$ SELECT a + b $$;
COMMENT ON FUNCTION add(integer, integer) IS 'Adds; it''s quoted';
CREATE FUNCTION sub(a integer, b integer) RETURNS integer LANGUAGE sql AS $$ SELECT a - b $$;
CREATE PROCEDURE tidy() LANGUAGE sql AS $$ SELECT 1 $$;
COMMENT ON PROCEDURE tidy() IS 'nightly';
CREATE FUNCTION mul(a integer, b integer) RETURNS integer LANGUAGE sql AS $$ SELECT a * b $$;
COMMENT ON FUNCTION mul(integer, integer) IS 'new, with its comment';
