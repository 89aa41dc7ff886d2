-- What keeps rows honest and is switched off: one row per problem.
-- kind: fk_triggers  (internal foreign-key triggers disabled, e.g. by DISABLE TRIGGER ALL)
--       user_trigger (a user trigger disabled)
--       not_valid    (a foreign key or check constraint added NOT VALID and never validated)
--       role_setting (session_replication_role = replica for a role and/or database)
--       server       (session_replication_role = replica for the whole server)
SELECT 'fk_triggers' AS kind, n.nspname AS schema, c.relname AS tbl, con.conname AS name,
       jsonb_build_object(
           'triggers', jsonb_agg(jsonb_build_object(
               'schema', tn.nspname, 'table', tc.relname, 'trigger', t.tgname) ORDER BY t.tgname)
       ) AS detail
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_constraint con ON con.oid = t.tgconstraint AND con.contype = 'f'
JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_class tc ON tc.oid = t.tgrelid
JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace
WHERE t.tgisinternal AND t.tgenabled = 'D'
GROUP BY n.nspname, c.relname, con.conname
UNION ALL
SELECT 'user_trigger', n.nspname, c.relname, t.tgname, '{}'::jsonb
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal AND t.tgenabled = 'D'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
UNION ALL
SELECT 'not_valid', n.nspname, c.relname, con.conname,
       jsonb_build_object('type', CASE con.contype WHEN 'f' THEN 'foreign key' ELSE 'check' END)
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE con.contype IN ('f', 'c') AND NOT con.convalidated
  -- PostgreSQL 18: a NOT ENFORCED constraint is never validated, by design (VALIDATE is refused)
  AND pg_catalog.pg_get_constraintdef(con.oid) NOT LIKE '%NOT ENFORCED'
UNION ALL
SELECT 'role_setting', '', coalesce(r.rolname, ''), coalesce(db.datname, ''),
       jsonb_build_object('role', r.rolname, 'database', db.datname)
FROM pg_catalog.pg_db_role_setting s
LEFT JOIN pg_catalog.pg_roles r ON r.oid = s.setrole
LEFT JOIN pg_catalog.pg_database db ON db.oid = s.setdatabase
WHERE 'session_replication_role=replica' = ANY (s.setconfig)
  AND (s.setdatabase = 0 OR db.datname = current_database())
UNION ALL
SELECT 'server', '', '', 'session_replication_role',
       jsonb_build_object('source', source, 'file', sourcefile, 'line', sourceline)
FROM pg_catalog.pg_settings
WHERE name = 'session_replication_role' AND reset_val = 'replica'
  AND source NOT IN ('database', 'user', 'database user', 'session', 'client')
ORDER BY 1, 2, 3, 4
