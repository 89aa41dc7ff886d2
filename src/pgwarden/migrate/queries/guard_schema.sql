-- The tables DROP SCHEMA ... CASCADE would take with it (partitions counted once, through their leaves).
SELECT n.nspname, c.relname
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s AND c.relkind = 'r' AND c.relpersistence <> 't'
ORDER BY c.relname
