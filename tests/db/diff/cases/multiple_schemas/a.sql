CREATE SCHEMA legacy;
CREATE SCHEMA old_stuff;
CREATE TABLE legacy.jobs (id integer PRIMARY KEY, payload text);
CREATE TABLE public.users (id integer PRIMARY KEY);
