-- Domains: base type, NOT NULL, default, collation and named constraints.
SELECT
  n.nspname,
  t.typname,
  pg_catalog.format_type(t.typbasetype, t.typtypmod) AS type,
  t.typnotnull,
  t.typdefault,
  CASE WHEN t.typcollation <> bt.typcollation THEN co.collname END AS collation,
  ARRAY(
    SELECT ARRAY[con.conname, pg_catalog.pg_get_constraintdef(con.oid)]
    FROM pg_catalog.pg_constraint con
    WHERE con.contypid = t.oid AND con.contype = 'c'
    ORDER BY con.conname
  ) AS constraints
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype
LEFT JOIN pg_catalog.pg_collation co ON co.oid = t.typcollation
WHERE t.typtype = 'd'
  AND t.typnamespace = ANY(%(nsp)s::oid[])
  AND NOT EXISTS (
    SELECT 1 FROM pg_catalog.pg_depend d
    WHERE d.classid = 'pg_catalog.pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e'
  )
ORDER BY n.nspname, t.typname
