-- The sequence behind every identity column: its options are part of the column's definition.
SELECT
  a.attrelid,
  a.attname,
  pg_catalog.format_type(s.seqtypid, NULL) AS data_type,
  s.seqstart,
  s.seqincrement,
  s.seqmin,
  s.seqmax,
  s.seqcache,
  s.seqcycle
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_depend d
  ON d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid = a.attrelid
  AND d.refobjsubid = a.attnum AND d.classid = 'pg_catalog.pg_class'::regclass AND d.deptype = 'i'
JOIN pg_catalog.pg_sequence s ON s.seqrelid = d.objid
WHERE a.attidentity <> ''
  AND c.relnamespace = ANY(%(nsp)s::oid[])
