-- Row-level security policies.
SELECT
  p.polrelid,
  p.polname,
  p.polcmd,
  p.polpermissive,
  ARRAY(
    SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(r) END
    FROM unnest(p.polroles) AS r
    ORDER BY 1
  ) AS roles,
  pg_catalog.pg_get_expr(p.polqual, p.polrelid) AS using_expr,
  pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) AS check_expr
FROM pg_catalog.pg_policy p
JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
WHERE c.relnamespace = ANY(%(nsp)s::oid[])
ORDER BY p.polrelid, p.polname
