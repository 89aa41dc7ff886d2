-- Comments on tables, views and their columns (objsubid 0 is the relation itself).
SELECT d.objoid, d.objsubid, d.description
FROM pg_catalog.pg_description d
JOIN pg_catalog.pg_class c ON c.oid = d.objoid
WHERE d.classoid = 'pg_catalog.pg_class'::regclass
  AND c.relnamespace = ANY(%(nsp)s::oid[])
