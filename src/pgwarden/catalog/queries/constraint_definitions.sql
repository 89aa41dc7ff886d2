-- The definitions and columns of the constraints catalog/_constraints.py does not spell itself
-- (rare: asked only when there are some).
SELECT
  con.oid,
  pg_catalog.pg_get_constraintdef(con.oid),
  ARRAY(
    SELECT a.attname
    FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
    JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
    ORDER BY k.ord
  )
FROM pg_catalog.pg_constraint con
WHERE con.oid = ANY(%(oids)s::oid[])
