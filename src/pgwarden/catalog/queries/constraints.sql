-- Primary key, unique, foreign key, check and exclusion constraints declared on each table
-- (those a partition inherits from its parent are the parent's, and are left out).
SELECT
  con.conrelid,
  con.conname,
  con.contype,
  pg_catalog.pg_get_constraintdef(con.oid) AS definition,
  ARRAY(
    SELECT a.attname
    FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
    JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
    ORDER BY k.ord
  ) AS columns,
  con.condeferrable,
  con.condeferred,
  con.convalidated,
  CASE WHEN con.contype = 'f' THEN (
    SELECT rn.nspname || '.' || rc.relname
    FROM pg_catalog.pg_class rc JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
    WHERE rc.oid = con.confrelid
  ) END AS references
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
WHERE con.contype IN ('p', 'u', 'f', 'c', 'x')
  AND c.relnamespace = ANY(%(nsp)s::oid[])
  AND con.conislocal
  AND con.conparentid = 0
ORDER BY con.conrelid, con.conname
