CREATE FUNCTION add_one(x integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT x + 1 $$;
CREATE FUNCTION greet(name text) RETURNS text LANGUAGE plpgsql AS $$ BEGIN RETURN 'hi ' || name; END $$;
CREATE FUNCTION obsolete() RETURNS void LANGUAGE sql AS $$ SELECT $$;
CREATE FUNCTION counter() RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$;
CREATE FUNCTION secret() RETURNS text LANGUAGE sql AS $$ SELECT 'x' $$;
CREATE PROCEDURE cleanup(days integer) LANGUAGE sql AS $$ SELECT days $$;
