-- Indexes of tables and materialized views; an index attached to a partitioned parent's index
-- is the parent's, and is left out (listed in the parent's ``attached``). Key columns are names, or the expression's text.
--
-- pg_get_indexdef opens every index and costs most of this query on thousands of tables, so
-- the common case (btree over plain columns with their default operator class, collation and
-- order, no INCLUDE, predicate, options or NULLS NOT DISTINCT) is spelled here the way
-- pg_get_indexdef spells it; everything else goes through pg_get_indexdef. A test holds the
-- two spellings equal.
SELECT
  i.indrelid,
  ic.relname,
  CASE
    WHEN k.plain AND am.amname = 'btree' AND i.indexprs IS NULL AND i.indpred IS NULL
      AND i.indnatts = i.indnkeyatts AND ic.reloptions IS NULL AND c.relkind <> 'p'
      AND NOT i.indnullsnotdistinct  -- pg15+
    THEN 'CREATE ' || CASE WHEN i.indisunique THEN 'UNIQUE ' ELSE '' END || 'INDEX '
      || pg_catalog.quote_ident(ic.relname) || ' ON ' || pg_catalog.quote_ident(n.nspname) || '.'
      || pg_catalog.quote_ident(c.relname) || ' USING btree (' || k.keys || ')'
    ELSE pg_catalog.pg_get_indexdef(i.indexrelid)
  END AS definition,
  k.columns,
  i.indisunique,
  i.indisprimary,
  pg_catalog.pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
  i.indisvalid,
  (
    SELECT con.conname FROM pg_catalog.pg_constraint con
    WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')
  ) AS constraint_name,
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
  ) END AS attached
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL (
  SELECT
    COALESCE(bool_and(
      i.indkey[g.k - 1] <> 0
      AND i.indoption[g.k - 1] = 0
      AND opc.opcdefault
      AND (opc.opcintype = a.atttypid
        OR (a.atttypid = 'pg_catalog.varchar'::pg_catalog.regtype
          AND opc.opcintype = 'pg_catalog.text'::pg_catalog.regtype))
      AND i.indcollation[g.k - 1] = a.attcollation
    ), false) AS plain,
    string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY g.k) AS keys,
    array_agg(
      CASE WHEN i.indkey[g.k - 1] = 0 THEN pg_catalog.pg_get_indexdef(i.indexrelid, g.k, true) ELSE a.attname END
      ORDER BY g.k
    ) AS columns
  FROM generate_series(1, i.indnkeyatts) AS g(k)
  LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[g.k - 1]
  LEFT JOIN pg_catalog.pg_opclass opc ON opc.oid = i.indclass[g.k - 1]
) k
WHERE c.relkind IN ('r', 'p', 'm')
  AND c.relnamespace = ANY(%(nsp)s::oid[])
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits inh WHERE inh.inhrelid = i.indexrelid)
ORDER BY i.indrelid, ic.relname
