-- Which of pgwarden's own tables exist, so a panel says "nothing recorded yet" instead of failing.
SELECT c.relname
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'pgwarden' AND c.relkind IN ('r', 'p')
