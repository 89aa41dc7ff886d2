-- Composite types made by CREATE TYPE ... AS (...) (not a table's or view's row type), with
-- their attributes in order: (name, format_type, collation when not the type's default).
SELECT
  n.nspname,
  t.typname,
  ARRAY(
    SELECT pg_catalog.json_build_array(
      a.attname,
      pg_catalog.format_type(a.atttypid, a.atttypmod),
      CASE WHEN a.attcollation <> at.typcollation THEN co.collname END
    )::text
    FROM pg_catalog.pg_attribute a
    JOIN pg_catalog.pg_type at ON at.oid = a.atttypid
    LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
    WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY a.attnum
  ) AS attributes
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
JOIN pg_catalog.pg_class c ON c.oid = t.typrelid
WHERE t.typtype = 'c'
  AND c.relkind = 'c'
  AND t.typnamespace = ANY(%(nsp)s::oid[])
  AND NOT EXISTS (
    SELECT 1 FROM pg_catalog.pg_depend d
    WHERE d.classid = 'pg_catalog.pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e'
  )
ORDER BY n.nspname, t.typname
