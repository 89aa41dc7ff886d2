-- The server named this partition's index itself (when the parent's index or the partition was
-- created): give it the expected name, unless another relation holds that name (a finding then
-- stays). Renaming an index renames the constraint it backs.
DO $pgwarden$
DECLARE
  current_name name;
BEGIN
  SELECT c.relname INTO current_name
  FROM pg_catalog.pg_inherits i
  JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
  JOIN pg_catalog.pg_index x ON x.indexrelid = c.oid
  WHERE i.inhparent = {parent}::regclass AND x.indrelid = {partition}::regclass;
  IF current_name IS NOT NULL AND current_name <> {name} AND pg_catalog.to_regclass({target}) IS NULL THEN
    EXECUTE pg_catalog.format('ALTER INDEX %I.%I RENAME TO %I', {schema}, current_name, {name});
  END IF;
END
$pgwarden$;
