-- User triggers (not those PostgreSQL makes for foreign keys, nor a partition's clones of its
-- parent's triggers: tgparentid from PostgreSQL 13; on 12 those clones are internal).
SELECT
  t.tgrelid,
  t.tgname,
  t.tgtype,
  t.tgenabled,
  fn.nspname || '.' || f.proname AS function,
  pg_catalog.pg_get_triggerdef(t.oid) AS definition
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN pg_catalog.pg_proc f ON f.oid = t.tgfoid
JOIN pg_catalog.pg_namespace fn ON fn.oid = f.pronamespace
WHERE NOT t.tgisinternal
  AND t.tgparentid = 0  -- pg13+
  AND c.relnamespace = ANY(%(nsp)s::oid[])
ORDER BY t.tgrelid, t.tgname
