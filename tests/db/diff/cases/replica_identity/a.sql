CREATE TABLE public.accounts (id integer PRIMARY KEY, email text NOT NULL UNIQUE);
CREATE TABLE public.audit (id integer, note text);
ALTER TABLE public.audit REPLICA IDENTITY FULL;
CREATE TABLE public.measurements (id integer NOT NULL, day date NOT NULL) PARTITION BY RANGE (day);
CREATE TABLE public.measurements_2026 PARTITION OF public.measurements
    FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
