-- Comments on functions and procedures, keyed like Function.qualname.
SELECT n.nspname, p.proname, pg_catalog.oidvectortypes(p.proargtypes), d.description
FROM pg_catalog.pg_description d
JOIN pg_catalog.pg_proc p ON p.oid = d.objoid
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE d.classoid = 'pg_catalog.pg_proc'::regclass
  AND p.pronamespace = ANY(%(nsp)s::oid[])
