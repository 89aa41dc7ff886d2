-- The table a migration statement names, resolved as the server would now (search_path included).
-- Temporary tables, views, materialized views and foreign tables hold no rows a migration can lose.
SELECT n.nspname, c.relname
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid = pg_catalog.to_regclass(%(name)s)
  AND c.relpersistence <> 't'
  AND c.relkind IN ('r', 'p')
