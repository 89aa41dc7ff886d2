-- Which of the tables named in the parameter exist, in the array's order. A schema-qualified name
-- is looked up in the catalog: to_regclass would fail on a schema the role may not use, and this is
-- sent with the other reads, in their round trip. An unqualified name follows the search_path, as
-- its reads will.
SELECT CASE
    WHEN pg_catalog.cardinality(part) = 2 THEN EXISTS (
        SELECT FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = part[1] AND c.relname = part[2]
    )
    ELSE pg_catalog.to_regclass(name) IS NOT NULL
END
FROM pg_catalog.unnest(%s::text[]) WITH ORDINALITY AS asked(name, position),
    LATERAL pg_catalog.parse_ident(name) AS part
ORDER BY position
