-- Functions created after the functions their SQL-standard bodies call; functions dropped
-- after what uses them (a CHECK constraint, another body) and in reverse dependency order.
CREATE SCHEMA math;
CREATE FUNCTION math.twice(a integer) RETURNS integer LANGUAGE sql IMMUTABLE RETURN a * 2;
CREATE FUNCTION public.uses_helper(x integer) RETURNS integer LANGUAGE sql IMMUTABLE RETURN x;
CREATE FUNCTION public.z_base(a integer) RETURNS integer LANGUAGE sql IMMUTABLE RETURN a;
CREATE FUNCTION public.a_caller(a integer) RETURNS integer LANGUAGE sql IMMUTABLE RETURN public.z_base(a) + math.twice(a);
CREATE TABLE public.counts (n integer);
