-- A column's current type, as SQL.
SELECT pg_catalog.format_type(a.atttypid, a.atttypmod)
FROM pg_catalog.pg_attribute a
WHERE a.attrelid = pg_catalog.to_regclass(%(name)s) AND a.attname = %(column)s
  AND a.attnum > 0 AND NOT a.attisdropped
