-- Per-relation settings the comparison must see: REPLICA IDENTITY (with its index) and the
-- storage / view options (reloptions: fillfactor, autovacuum_*, check_option, security_barrier).
SELECT
  c.oid,
  c.relreplident,
  (
    SELECT ic.relname FROM pg_catalog.pg_index i
    JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
    WHERE i.indrelid = c.oid AND i.indisreplident
  ) AS replica_index,
  c.reloptions
FROM pg_catalog.pg_class c
WHERE c.relkind IN ('r', 'p', 'v', 'm')
  AND c.relnamespace = ANY(%(nsp)s::oid[])
  AND (c.relreplident <> 'd' OR c.reloptions IS NOT NULL)
