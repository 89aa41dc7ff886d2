-- Has any instance ever registered here (does pgwarden.instances exist)? Asked through the catalog:
-- unlike to_regclass it cannot fail for a role without USAGE on schema pgwarden, so `check` sends it
-- with its other reads, in their round trip.
SELECT EXISTS (
    SELECT FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'pgwarden' AND c.relname = 'instances'
)
