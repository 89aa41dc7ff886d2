CREATE FUNCTION add_one(x integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT x + 2 $$;
CREATE FUNCTION greet(name text) RETURNS text LANGUAGE plpgsql STABLE STRICT AS $$ BEGIN RETURN 'hi ' || name; END $$;
CREATE FUNCTION counter() RETURNS bigint LANGUAGE sql AS $$ SELECT 1::bigint $$;
CREATE FUNCTION secret() RETURNS text LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS $$ SELECT 'x' $$;
CREATE FUNCTION twice(x integer) RETURNS integer LANGUAGE sql AS $$ SELECT add_one(add_one(x)) - 2 + x $$;
CREATE PROCEDURE cleanup(days integer) LANGUAGE plpgsql AS $$ BEGIN PERFORM days; END $$;
CREATE PROCEDURE archive(before date) LANGUAGE sql AS $$ SELECT before $$;
