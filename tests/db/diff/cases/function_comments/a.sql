CREATE FUNCTION add(a integer, b integer) RETURNS integer LANGUAGE sql AS $$ SELECT a + b $$;
CREATE FUNCTION sub(a integer, b integer) RETURNS integer LANGUAGE sql AS $$ SELECT a - b $$;
COMMENT ON FUNCTION sub(integer, integer) IS 'to be removed';
CREATE PROCEDURE tidy() LANGUAGE sql AS $$ SELECT 1 $$;
