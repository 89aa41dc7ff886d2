-- Table inheritance (INHERITS, not partitioning): each child's parents in declaration order,
-- and the columns it only inherits (not declared on the child itself). Inherited constraints
-- are left out by constraints.sql already (conislocal).
SELECT
  c.oid,
  ARRAY(
    SELECT pn.nspname || '.' || pc.relname
    FROM pg_catalog.pg_inherits i
    JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent
    JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
    WHERE i.inhrelid = c.oid
    ORDER BY i.inhseqno
  ) AS parents,
  ARRAY(
    SELECT a.attname FROM pg_catalog.pg_attribute a
    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND NOT a.attislocal
  ) AS inherited_columns
FROM pg_catalog.pg_class c
WHERE c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND c.relnamespace = ANY(%(nsp)s::oid[])
  AND EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i WHERE i.inhrelid = c.oid)
