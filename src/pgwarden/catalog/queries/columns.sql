-- Columns of every table, view and materialized view in the chosen schemas, in attribute order.
-- format_type runs once per distinct (type, typmod), not once per column: on thousands of
-- tables that is most of this query's cost.
-- PostgreSQL 18: a NOT NULL added NOT VALID sets attnotnull although rows may hold NULLs, so
-- such a column counts as nullable until the constraint is validated; attgenerated 'v' is a
-- virtual generated column. Both are version-independent (older servers have neither).
-- A default cannot name a column, so it is deparsed without its relation (relid 0): given the
-- relation, pg_get_expr opens it, which on a fresh connection costs most of this query. The text
-- is the same; an expression with a column in it would raise, never print differently. A
-- generated column's expression does name columns and keeps its relation.
WITH invalid_not_null AS (
  SELECT n.conrelid, n.conkey[1] AS attnum
  FROM pg_catalog.pg_constraint n
  WHERE n.contype = 'n' AND NOT n.convalidated
),
cols AS (
  SELECT
    a.attrelid,
    a.attnum,
    a.attname,
    a.atttypid,
    a.atttypmod,
    a.attnotnull AND inn.conrelid IS NULL AS attnotnull,
    a.attidentity,
    a.attgenerated,
    CASE WHEN a.attcollation <> t.typcollation THEN co.collname END AS collation
  FROM pg_catalog.pg_attribute a
  JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
  JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation AND a.attcollation <> t.typcollation
  LEFT JOIN invalid_not_null inn ON inn.conrelid = a.attrelid AND inn.attnum = a.attnum
  WHERE c.relkind IN ('r', 'p', 'v', 'm')
    AND c.relnamespace = ANY(%(nsp)s::oid[])
    AND a.attnum > 0
    AND NOT a.attisdropped
),
types AS (
  SELECT u.atttypid, u.atttypmod, pg_catalog.format_type(u.atttypid, u.atttypmod) AS type
  FROM (SELECT DISTINCT atttypid, atttypmod FROM cols) u
)
SELECT
  cols.attrelid,
  cols.attname,
  types.type,
  cols.attnotnull,
  CASE WHEN cols.attgenerated = '' THEN pg_catalog.pg_get_expr(ad.adbin, 0) END AS "default",
  cols.attidentity,
  CASE WHEN cols.attgenerated <> '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END AS generated,
  cols.collation,
  cols.attnum,
  cols.attgenerated = 'v' AS virtual
FROM cols
JOIN types ON types.atttypid = cols.atttypid AND types.atttypmod = cols.atttypmod
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = cols.attrelid AND ad.adnum = cols.attnum
ORDER BY cols.attrelid, cols.attnum
