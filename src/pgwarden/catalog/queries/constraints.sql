-- Primary key, unique, foreign key, check and exclusion constraints declared on each table
-- (those a partition inherits from its parent are the parent's, and are left out).
--
-- pg_get_constraintdef, and naming each constraint's columns here, cost most of this query on
-- thousands of tables. A primary key, unique constraint or foreign key of the common shape (no
-- INCLUDE, NULLS NOT DISTINCT, WITHOUT OVERLAPS/PERIOD, SET NULL (columns) or NOT ENFORCED)
-- comes with its raw column numbers instead, and the reader spells it from the columns it read
-- (catalog/_constraints.py), asking pg_get_constraintdef after all when a column is not among
-- them (a foreign key to a schema not read). Every other constraint is deparsed here. A test
-- holds both spellings equal to pg_get_constraintdef.
SELECT
  con.conrelid,
  con.conname,
  con.contype,
  CASE WHEN NOT s.simple THEN pg_catalog.pg_get_constraintdef(con.oid) END AS definition,
  CASE WHEN NOT s.simple THEN ARRAY(
    SELECT a.attname
    FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
    JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
    ORDER BY k.ord
  ) END AS columns,
  con.condeferrable,
  con.condeferred,
  con.convalidated,
  rn.nspname || '.' || rc.relname AS references,
  con.oid,
  CASE WHEN s.simple THEN con.conkey END AS keys,
  CASE WHEN s.simple AND con.contype = 'f' THEN con.confkey END AS referenced_keys,
  CASE WHEN s.simple AND con.contype = 'f' THEN con.confrelid END AS referenced,
  CASE WHEN s.simple AND con.contype = 'f' THEN
    pg_catalog.quote_ident(rn.nspname) || '.' || pg_catalog.quote_ident(rc.relname)
  END AS referenced_name,
  con.confupdtype,
  con.confdeltype,
  con.confmatchtype
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
LEFT JOIN pg_catalog.pg_index ix ON ix.indexrelid = con.conindid AND con.contype IN ('p', 'u')
LEFT JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid AND con.contype = 'f'
LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
CROSS JOIN LATERAL (
  SELECT CASE con.contype
    WHEN 'f' THEN true
      AND COALESCE(pg_catalog.cardinality(con.confdelsetcols), 0) = 0  -- pg15+
    WHEN 'p' THEN ix.indnatts = ix.indnkeyatts
    WHEN 'u' THEN ix.indnatts = ix.indnkeyatts
      AND NOT ix.indnullsnotdistinct  -- pg15+
    ELSE false
  END
    AND NOT con.conperiod  -- pg17+
    AND con.conenforced  -- pg18+
  AS simple
) s
WHERE con.contype IN ('p', 'u', 'f', 'c', 'x')
  AND c.relnamespace = ANY(%(nsp)s::oid[])
  AND con.conislocal
  AND con.conparentid = 0
ORDER BY con.conrelid, con.conname
