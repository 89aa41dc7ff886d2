-- Detach a partition and drop what its parent gave it. On DETACH the partition keeps, as its
-- own, the foreign keys, primary key, unique constraints and indexes cloned from the parent's;
-- the comparison never listed them as the partition's (they were the parent's), so they would
-- block dropping the tables they reference, take expected names and stay as drift. They are
-- read before the DETACH (afterwards nothing tells them from the table's own), then dropped:
-- no row is lost, and what the plain table is expected to have is created by later statements.
DO $pgwarden$
DECLARE
  cloned name[];
  attached text[];
  item text;
BEGIN
  SELECT coalesce(pg_catalog.array_agg(con.conname ORDER BY con.contype = 'f' DESC, con.conname), '{{}}')
    INTO cloned
  FROM pg_catalog.pg_constraint con
  WHERE con.conrelid = {partition}::regclass AND con.conparentid <> 0;
  SELECT coalesce(pg_catalog.array_agg(x.indexrelid::regclass::text ORDER BY x.indexrelid::regclass::text), '{{}}')
    INTO attached
  FROM pg_catalog.pg_index x
  JOIN pg_catalog.pg_inherits i ON i.inhrelid = x.indexrelid
  WHERE x.indrelid = {partition}::regclass
    AND NOT EXISTS (
      SELECT 1 FROM pg_catalog.pg_constraint c
      WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid
    );
  EXECUTE pg_catalog.format('ALTER TABLE %s DETACH PARTITION %s', {parent}, {partition});
  FOREACH item IN ARRAY cloned LOOP
    EXECUTE pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I', {partition}, item);
  END LOOP;
  FOREACH item IN ARRAY attached LOOP
    EXECUTE pg_catalog.format('DROP INDEX %s', item);
  END LOOP;
END
$pgwarden$;
