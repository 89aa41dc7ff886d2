-- Indexes of tables and materialized views; an index attached to a partitioned parent's index
-- is the parent's, and is left out. Key columns are names, or the expression's text.
SELECT
  i.indrelid,
  ic.relname,
  pg_catalog.pg_get_indexdef(i.indexrelid) AS definition,
  ARRAY(
    SELECT CASE WHEN i.indkey[k - 1] = 0 THEN pg_catalog.pg_get_indexdef(i.indexrelid, k, true) ELSE a.attname END
    FROM generate_series(1, i.indnkeyatts) AS k
    LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1]
    ORDER BY k
  ) AS columns,
  i.indisunique,
  i.indisprimary,
  pg_catalog.pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
  i.indisvalid,
  (
    SELECT con.conname FROM pg_catalog.pg_constraint con
    WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')
  ) AS constraint_name
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
WHERE c.relkind IN ('r', 'p', 'm')
  AND c.relnamespace = ANY(%(nsp)s::oid[])
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits inh WHERE inh.inhrelid = i.indexrelid)
ORDER BY i.indrelid, ic.relname
