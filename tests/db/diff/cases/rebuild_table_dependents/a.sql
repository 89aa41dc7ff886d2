CREATE TABLE public.readings (id integer NOT NULL, taken date NOT NULL, value numeric,
    PRIMARY KEY (id, taken));
CREATE TABLE public.notes (id integer PRIMARY KEY, reading_id integer, reading_taken date,
    FOREIGN KEY (reading_id, reading_taken) REFERENCES public.readings (id, taken));
CREATE VIEW public.recent AS SELECT id, value FROM public.readings WHERE taken > '2026-01-01';
CREATE VIEW public.recent_ids AS SELECT id FROM public.recent;
CREATE MATERIALIZED VIEW public.daily AS SELECT taken, sum(value) AS total FROM public.readings GROUP BY taken;
CREATE INDEX daily_taken ON public.daily (taken);
