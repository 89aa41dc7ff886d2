-- View options (check_option, security_barrier) and materialized view storage options
-- (fillfactor, autovacuum_*, toast_tuple_target): set, changed, reset, and on a new view.
CREATE TABLE public.items (id integer PRIMARY KEY, owner text, price numeric);
CREATE VIEW public.mine WITH (security_barrier = true, check_option = local) AS
    SELECT id, owner FROM public.items WHERE owner = current_user;
CREATE VIEW public.cheap AS SELECT id, price FROM public.items WHERE price < 10;
CREATE MATERIALIZED VIEW public.totals WITH (autovacuum_enabled = false, fillfactor = 50) AS
    SELECT owner, sum(price) AS total FROM public.items GROUP BY owner;
CREATE MATERIALIZED VIEW public.owners WITH (log_autovacuum_min_duration = 1000) AS
    SELECT DISTINCT owner FROM public.items;
