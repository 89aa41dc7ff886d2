-- Declared settings: the value a new session of this role sees, and every override stored for this
-- database or for all databases (ALTER ROLE / ALTER DATABASE ... SET), which may differ for other roles.
SELECT s.name,
       pg_catalog.current_setting(s.name) AS value,
       coalesce((
           SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                      'role', r.rolname,
                      'database', d.datname,
                      'value', pg_catalog.substr(c.item, pg_catalog.length(s.name) + 2)
                  ) ORDER BY r.rolname NULLS FIRST, d.datname NULLS FIRST)
           FROM pg_catalog.pg_db_role_setting AS o
           CROSS JOIN LATERAL pg_catalog.unnest(o.setconfig) AS c(item)
           LEFT JOIN pg_catalog.pg_roles AS r ON r.oid = o.setrole
           LEFT JOIN pg_catalog.pg_database AS d ON d.oid = o.setdatabase
           WHERE o.setdatabase IN (0, (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()))
             AND pg_catalog.lower(pg_catalog.split_part(c.item, '=', 1)) = s.name
       ), '[]'::jsonb) AS overrides
FROM pg_catalog.pg_settings AS s
WHERE s.name = ANY(%(names)s)
