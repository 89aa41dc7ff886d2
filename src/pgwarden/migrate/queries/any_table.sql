-- Does the database hold any table outside the system's schemas and pgwarden's own? A superset of
-- what the catalog reader lists (extension members and other tools' ledgers count here too): when
-- this says no, no file can already be applied, and the full comparison is skipped.
SELECT EXISTS (
  SELECT 1
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p')
    AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'pgwarden')
    AND n.nspname NOT LIKE 'pg\_temp\_%'
    AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
)
