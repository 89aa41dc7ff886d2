CREATE TYPE public.old_status AS ENUM ('new', 'done');
CREATE TYPE public.new_status AS ENUM ('new', 'done', 'failed');
CREATE TABLE public.jobs (id integer PRIMARY KEY, status public.old_status, tags public.old_status[]);
