-- Column type changes under views (dropped and created again, with the views on them),
-- under foreign keys on both sides, and bigint epoch seconds -> timestamptz (no cast exists).
CREATE TABLE public.payments (id bigint PRIMARY KEY, amount bigint NOT NULL, paid_at timestamp with time zone);
CREATE TABLE public.refunds (id integer PRIMARY KEY, payment_id bigint REFERENCES public.payments (id));
CREATE VIEW public.big_payments AS SELECT id, amount FROM public.payments WHERE amount > 1000;
CREATE VIEW public.big_payment_count AS SELECT count(*) AS n FROM public.big_payments;
