-- Indexes of tables and materialized views; an index attached to a partitioned parent's index
-- is the parent's, and is left out (listed in the parent's ``attached``). Key columns are names, or the expression's text.
--
-- pg_get_indexdef opens every index, and naming each key column here costs a join with
-- pg_attribute per index: on thousands of tables those are most of this query. So for the
-- common shape (btree over plain columns, no INCLUDE, predicate, options, sort options or
-- NULLS NOT DISTINCT, not on a partitioned table) this query returns the raw keys (attribute
-- numbers, operator classes, collations) and the definition's head, and the reader spells the
-- rest from the columns it read (catalog/_indexes.py); when a key's operator class or collation
-- is not its column's default there, it asks pg_get_indexdef after all. Every other shape is
-- deparsed here. A test holds both spellings equal to pg_get_indexdef.
SELECT
  i.indrelid,
  ic.relname,
  CASE WHEN s.simple THEN
    'CREATE ' || CASE WHEN i.indisunique THEN 'UNIQUE ' ELSE '' END || 'INDEX '
      || pg_catalog.quote_ident(ic.relname) || ' ON ' || pg_catalog.quote_ident(n.nspname) || '.'
      || pg_catalog.quote_ident(c.relname) || ' USING btree ('
  ELSE pg_catalog.pg_get_indexdef(i.indexrelid)
  END AS definition,
  CASE WHEN NOT s.simple THEN ARRAY(
    SELECT CASE WHEN i.indkey[g.k - 1] = 0 THEN pg_catalog.pg_get_indexdef(i.indexrelid, g.k, true) ELSE a.attname END
    FROM generate_series(1, i.indnkeyatts) AS g(k)
    LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[g.k - 1]
    ORDER BY g.k
  ) END AS columns,
  i.indisunique,
  i.indisprimary,
  pg_catalog.pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
  i.indisvalid,
  con.conname AS constraint_name,
  CASE WHEN c.relkind = 'p' THEN ARRAY(
    -- The partitions' indexes attached to this one: partition, index, constraint kind ('' if none).
    SELECT ARRAY[pn.nspname || '.' || pc.relname, pi.relname, COALESCE((
      SELECT pcon.contype::text FROM pg_catalog.pg_constraint pcon
      WHERE pcon.conindid = pi.oid AND pcon.conrelid = px.indrelid AND pcon.contype IN ('p', 'u', 'x')
    ), '')]
    FROM pg_catalog.pg_inherits pinh
    JOIN pg_catalog.pg_class pi ON pi.oid = pinh.inhrelid
    JOIN pg_catalog.pg_index px ON px.indexrelid = pi.oid
    JOIN pg_catalog.pg_class pc ON pc.oid = px.indrelid
    JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
    WHERE pinh.inhparent = i.indexrelid
    ORDER BY 1
  ) END AS attached,
  i.indexrelid,
  CASE WHEN s.simple THEN i.indkey::text END AS keys,
  CASE WHEN s.simple THEN i.indclass::text END AS classes,
  CASE WHEN s.simple THEN i.indcollation::text END AS collations
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_constraint con
  ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')
CROSS JOIN LATERAL (
  SELECT am.amname = 'btree' AND i.indexprs IS NULL AND i.indpred IS NULL
    AND i.indnatts = i.indnkeyatts AND ic.reloptions IS NULL AND c.relkind <> 'p'
    AND NOT i.indnullsnotdistinct  -- pg15+
    AND 0 = ALL(i.indoption::pg_catalog.int2[]) AS simple
) s
WHERE c.relkind IN ('r', 'p', 'm')
  AND c.relnamespace = ANY(%(nsp)s::oid[])
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits inh WHERE inh.inhrelid = i.indexrelid)
ORDER BY i.indrelid, ic.relname
