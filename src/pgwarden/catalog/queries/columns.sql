-- Columns of every table, view and materialized view in the chosen schemas, in attribute order.
-- PostgreSQL 18: a NOT NULL added NOT VALID sets attnotnull although rows may hold NULLs, so
-- such a column counts as nullable until the constraint is validated; attgenerated 'v' is a
-- virtual generated column. Both are version-independent (older servers have neither).
-- A default cannot name a column, so it is deparsed without its relation (relid 0): given the
-- relation, pg_get_expr opens it, which on a fresh connection costs most of this query. The text
-- is the same (a test holds them equal); an expression naming a column would raise, never print
-- differently. A generated column's expression does name columns and keeps its relation.
-- One flat join: on thousands of tables, CTEs and a separate pass for format_type cost more
-- than they save.
SELECT
  a.attrelid,
  a.attname,
  pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
  a.attnotnull AND NOT EXISTS (
    SELECT 1 FROM pg_catalog.pg_constraint n
    WHERE n.conrelid = a.attrelid AND n.contype = 'n' AND NOT n.convalidated AND n.conkey[1] = a.attnum
  ) AS attnotnull,
  CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(ad.adbin, 0) END AS "default",
  a.attidentity,
  CASE WHEN a.attgenerated <> '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END AS generated,
  CASE WHEN a.attcollation <> t.typcollation THEN co.collname END AS collation,
  a.attnum,
  a.attgenerated = 'v' AS virtual,
  -- For spelling index definitions (catalog/_indexes.py): the name as pg_get_indexdef quotes it
  -- (NULL when bare), the type and the collation.
  NULLIF(pg_catalog.quote_ident(a.attname), a.attname) AS quoted,
  a.atttypid,
  a.attcollation
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation AND a.attcollation <> t.typcollation
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
WHERE c.relkind IN ('r', 'p', 'v', 'm')
  AND c.relnamespace = ANY(%(nsp)s::oid[])
  AND a.attnum > 0
  AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
