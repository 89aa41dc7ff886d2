CREATE TABLE public.payments (id integer PRIMARY KEY, amount integer NOT NULL, paid_at bigint);
CREATE TABLE public.refunds (id integer PRIMARY KEY, payment_id integer REFERENCES public.payments (id));
CREATE VIEW public.big_payments AS SELECT id, amount FROM public.payments WHERE amount > 1000;
CREATE VIEW public.big_payment_count AS SELECT count(*) AS n FROM public.big_payments;
