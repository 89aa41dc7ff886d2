-- Owners and privileges of the schemas, relations, sequences, routines and types read, and the
-- column privileges of relations: one row per object (its owner) with its ACL exploded into
-- (grantee, privilege, grantable). A NULL ACL means the defaults (acldefault); the owner's own
-- entries are left out (they are implicit and follow ALTER ... OWNER TO). PUBLIC is grantee 0.
-- A schema's, table's or sequence's default ACL grants its owner only: such a NULL ACL is no
-- grant at all and is not exploded (most of this query's cost on thousands of tables). Routines
-- and types grant PUBLIC by default, so theirs is spelled out with acldefault.
WITH objects AS (
  SELECT 'schema' AS kind, n.nspname AS object, n.nspowner AS owner, n.nspacl AS acl
  FROM pg_catalog.pg_namespace n
  WHERE n.oid = ANY(%(nsp)s::oid[])
  UNION ALL
  SELECT CASE c.relkind WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized_view'
         ELSE 'table' END,
         n.nspname || '.' || c.relname, c.relowner, c.relacl
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND c.relnamespace = ANY(%(nsp)s::oid[])
    AND NOT EXISTS (
      SELECT 1 FROM pg_catalog.pg_depend d
      WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
    )
  UNION ALL
  SELECT 'column', n.nspname || '.' || c.relname || '.' || a.attname, c.relowner, a.attacl
  FROM pg_catalog.pg_attribute a
  JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped
    AND c.relkind IN ('r', 'p', 'v', 'm') AND c.relnamespace = ANY(%(nsp)s::oid[])
  UNION ALL
  SELECT 'routine', n.nspname || '.' || p.proname || '(' || pg_catalog.oidvectortypes(p.proargtypes) || ')',
         p.proowner, coalesce(p.proacl, pg_catalog.acldefault('f'::"char", p.proowner))
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  WHERE p.pronamespace = ANY(%(nsp)s::oid[])
    AND NOT EXISTS (
      SELECT 1 FROM pg_catalog.pg_depend d
      WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
    )
  UNION ALL
  SELECT 'type', n.nspname || '.' || t.typname, t.typowner,
         coalesce(t.typacl, pg_catalog.acldefault('T'::"char", t.typowner))
  FROM pg_catalog.pg_type t
  JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
  LEFT JOIN pg_catalog.pg_class c ON c.oid = t.typrelid
  WHERE t.typnamespace = ANY(%(nsp)s::oid[])
    AND (t.typtype IN ('e', 'd') OR (t.typtype = 'c' AND c.relkind = 'c'))
    AND NOT EXISTS (
      SELECT 1 FROM pg_catalog.pg_depend d
      WHERE d.classid = 'pg_catalog.pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e'
    )
)
SELECT
  o.kind,
  o.object,
  pg_catalog.pg_get_userbyid(o.owner) AS owner,
  CASE WHEN o.acl IS NULL THEN '{}'::text[] ELSE ARRAY(
    SELECT pg_catalog.json_build_array(
      CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(x.grantee) END,
      x.privilege_type,
      x.is_grantable
    )::text
    FROM pg_catalog.aclexplode(o.acl) x
    WHERE x.grantee <> o.owner
    ORDER BY 1
  ) END AS grants
FROM objects o
ORDER BY o.kind, o.object
