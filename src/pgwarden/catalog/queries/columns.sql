-- Columns of every table, view and materialized view in the chosen schemas, in attribute order.
SELECT
  a.attrelid,
  a.attname,
  pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
  a.attnotnull,
  CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END AS "default",
  a.attidentity,
  CASE WHEN a.attgenerated <> '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END AS generated,
  CASE WHEN a.attcollation <> t.typcollation THEN co.collname END AS collation,
  pg_catalog.col_description(a.attrelid, a.attnum) AS comment
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
WHERE c.relkind IN ('r', 'p', 'v', 'm')
  AND c.relnamespace = ANY(%(nsp)s::oid[])
  AND a.attnum > 0
  AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
