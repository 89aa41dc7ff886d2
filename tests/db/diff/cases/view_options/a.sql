CREATE TABLE public.items (id integer PRIMARY KEY, owner text, price numeric);
CREATE VIEW public.mine AS SELECT id, owner FROM public.items WHERE owner = current_user;
CREATE VIEW public.cheap WITH (check_option = cascaded) AS SELECT id, price FROM public.items WHERE price < 10;
CREATE MATERIALIZED VIEW public.totals WITH (fillfactor = 70, toast_tuple_target = 2048) AS
    SELECT owner, sum(price) AS total FROM public.items GROUP BY owner;
