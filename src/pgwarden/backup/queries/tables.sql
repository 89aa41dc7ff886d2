-- Every table whose rows pg_dump writes: ordinary tables and leaf partitions in user schemas,
-- not temporary, not owned by an extension. reltuples is -1 for a table never analysed.
SELECT n.nspname AS schema,
       c.relname AS name,
       c.reltuples::bigint AS estimate
FROM pg_catalog.pg_class AS c
JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
  AND c.relpersistence <> 't'
  AND n.nspname <> 'information_schema'
  AND n.nspname NOT LIKE 'pg\_%'
  AND NOT EXISTS (
      SELECT 1
      FROM pg_catalog.pg_depend AS d
      WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
        AND d.objid = c.oid
        AND d.deptype = 'e'
  )
ORDER BY 1, 2
