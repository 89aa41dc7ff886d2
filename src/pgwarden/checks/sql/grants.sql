-- Whether each role holds each privilege on each object [[expect.grants]] names: granted to it,
-- to PUBLIC or to a role it inherits from, or held as the owner or a superuser (has_*_privilege
-- decides, as the server will when the bot runs its query). A role that does not exist holds
-- nothing; an object dropped since the catalog was read holds NULL. Rows of target 'role' ask
-- only whether the role exists.
SELECT
  w.role,
  w.target,
  w.schema_name,
  w.name,
  w.privilege,
  r.oid IS NOT NULL AS role_exists,
  CASE
    WHEN r.oid IS NULL THEN false
    WHEN w.target = 'role' THEN NULL
    WHEN w.target = 'schema' THEN pg_catalog.has_schema_privilege(r.oid, n.oid, w.privilege)
    WHEN w.target = 'sequence' THEN pg_catalog.has_sequence_privilege(r.oid, c.oid, w.privilege)
    ELSE pg_catalog.has_table_privilege(r.oid, c.oid, w.privilege)
  END AS held
FROM unnest(
  %(roles)s::text[], %(targets)s::text[], %(schemas)s::text[], %(names)s::text[], %(privileges)s::text[]
) AS w(role, target, schema_name, name, privilege)
LEFT JOIN pg_catalog.pg_roles r ON r.rolname = w.role
LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = w.schema_name
LEFT JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = w.name AND w.target <> 'schema'
