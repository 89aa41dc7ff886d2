CREATE SCHEMA legacy;
CREATE SCHEMA app;
CREATE SCHEMA "Reporting";
CREATE TABLE app.jobs (id integer PRIMARY KEY, payload text);
CREATE TABLE public.users (id integer PRIMARY KEY);
CREATE TABLE app.tasks (id integer PRIMARY KEY, user_id integer REFERENCES public.users (id));
CREATE TABLE "Reporting"."Daily Totals" ("Day" date PRIMARY KEY, "Total" numeric);
CREATE VIEW "Reporting".v AS SELECT "Day" FROM "Reporting"."Daily Totals";
