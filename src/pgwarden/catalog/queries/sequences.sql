-- Sequences, with the column that owns them (serial). Identity sequences belong to their
-- column's identity and are left out.
SELECT
  n.nspname,
  c.relname,
  pg_catalog.format_type(s.seqtypid, NULL) AS data_type,
  s.seqstart,
  s.seqincrement,
  s.seqmin,
  s.seqmax,
  s.seqcache,
  s.seqcycle,
  (
    SELECT tn.nspname || '.' || tc.relname || '.' || a.attname
    FROM pg_catalog.pg_depend d
    JOIN pg_catalog.pg_class tc ON tc.oid = d.refobjid
    JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace
    JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
    WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
      AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.deptype = 'a'
  ) AS owned_by
FROM pg_catalog.pg_sequence s
JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relnamespace = ANY(%(nsp)s::oid[])
  AND NOT EXISTS (
    SELECT 1 FROM pg_catalog.pg_depend d
    WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('i', 'e')
  )
ORDER BY n.nspname, c.relname
