-- A column moved from one enum to another (no cast between enums: through text), arrays too.
CREATE TYPE public.old_status AS ENUM ('new', 'done');
CREATE TYPE public.new_status AS ENUM ('new', 'done', 'failed');
CREATE TABLE public.jobs (id integer PRIMARY KEY, status public.new_status, tags public.new_status[]);
