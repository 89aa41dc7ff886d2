-- Collations created by users (CREATE COLLATION), not by extensions. The row as JSON: the
-- locale columns were renamed across versions (colliculocale in 15-16, colllocale from 17).
SELECT n.nspname, c.collname, pg_catalog.to_jsonb(c) AS attributes
FROM pg_catalog.pg_collation c
JOIN pg_catalog.pg_namespace n ON n.oid = c.collnamespace
WHERE c.collnamespace = ANY(%(nsp)s::oid[])
  AND NOT EXISTS (
    SELECT 1 FROM pg_catalog.pg_depend d
    WHERE d.classid = 'pg_catalog.pg_collation'::regclass AND d.objid = c.oid AND d.deptype = 'e'
  )
ORDER BY n.nspname, c.collname
