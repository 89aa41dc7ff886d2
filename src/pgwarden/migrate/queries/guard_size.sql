-- A table's size from the statistics: estimated rows (-1 when never analysed), pages, qualified name.
SELECT c.reltuples::bigint, c.relpages, n.nspname || '.' || c.relname
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid = pg_catalog.to_regclass(%(name)s)
  AND c.relpersistence <> 't'
  AND c.relkind IN ('r', 'p')
