-- Functions, procedures and aggregates defined by users (not by extensions).
SELECT
  n.nspname,
  p.proname,
  pg_catalog.oidvectortypes(p.proargtypes) AS arguments,
  p.prokind,
  CASE WHEN p.prokind <> 'p' THEN pg_catalog.pg_get_function_result(p.oid) END AS returns,
  l.lanname,
  p.provolatile,
  p.proisstrict,
  p.prosecdef,
  p.prosrc,
  p.proconfig,
  CASE WHEN p.prokind IN ('f', 'p', 'w') THEN pg_catalog.pg_get_functiondef(p.oid) ELSE '' END AS definition
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
JOIN pg_catalog.pg_language l ON l.oid = p.prolang
WHERE p.pronamespace = ANY(%(nsp)s::oid[])
  AND NOT EXISTS (
    SELECT 1 FROM pg_catalog.pg_depend d
    WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  )
ORDER BY n.nspname, p.proname, arguments
