-- ALTER DEFAULT PRIVILEGES (pg_default_acl): one row per entry, database-wide (no schema) or in a
-- schema read, with its ACL exploded into (grantee, privilege, grantable). The role's own
-- entries are left out, as for grants. PUBLIC is grantee 0.
SELECT
  pg_catalog.pg_get_userbyid(d.defaclrole) AS role,
  n.nspname AS schema,
  d.defaclobjtype AS objtype,
  ARRAY(
    SELECT pg_catalog.json_build_array(
      CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(x.grantee) END,
      x.privilege_type,
      x.is_grantable
    )::text
    FROM pg_catalog.aclexplode(d.defaclacl) x
    WHERE x.grantee <> d.defaclrole
    ORDER BY 1
  ) AS grants
FROM pg_catalog.pg_default_acl d
LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace
WHERE d.defaclnamespace = 0 OR d.defaclnamespace = ANY(%(nsp)s::oid[])
ORDER BY 1, 2 NULLS FIRST, 3
