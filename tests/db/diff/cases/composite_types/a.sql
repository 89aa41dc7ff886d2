CREATE TYPE money_amount AS (amount numeric(12, 2), currency char(3));
CREATE TYPE reordered AS (a integer, b text, c text);
CREATE TYPE unused AS (x integer);
CREATE FUNCTION price() RETURNS money_amount LANGUAGE sql AS $$ SELECT (1.50, 'EUR')::money_amount $$;
