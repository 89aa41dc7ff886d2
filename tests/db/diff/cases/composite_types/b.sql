CREATE TYPE money_amount AS (amount numeric(14, 2), currency char(3), note text COLLATE "C");
CREATE TYPE reordered AS (a integer, c text, b varchar(10));
CREATE TYPE point3 AS (x double precision, y double precision, z double precision);
CREATE FUNCTION price() RETURNS money_amount LANGUAGE sql AS $$ SELECT (1.50, 'EUR', NULL)::money_amount $$;
