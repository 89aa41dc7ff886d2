-- REPLICA IDENTITY (FULL, USING INDEX, NOTHING, back to DEFAULT) decides what logical
-- replication sends: on tables, partitioned parents, partitions and new tables.
CREATE TABLE public.accounts (id integer PRIMARY KEY, email text NOT NULL UNIQUE);
ALTER TABLE public.accounts REPLICA IDENTITY USING INDEX accounts_email_key;
CREATE TABLE public.audit (id integer, note text);
CREATE TABLE public.measurements (id integer NOT NULL, day date NOT NULL) PARTITION BY RANGE (day);
ALTER TABLE public.measurements REPLICA IDENTITY FULL;
CREATE TABLE public.measurements_2026 PARTITION OF public.measurements
    FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
ALTER TABLE public.measurements_2026 REPLICA IDENTITY NOTHING;
CREATE TABLE public.outbox (id integer NOT NULL, payload text);
CREATE UNIQUE INDEX outbox_id ON public.outbox (id);
ALTER TABLE public.outbox REPLICA IDENTITY USING INDEX outbox_id;
