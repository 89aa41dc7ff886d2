CREATE SCHEMA old_math;
CREATE FUNCTION old_math.add(a integer, b integer) RETURNS integer LANGUAGE sql IMMUTABLE RETURN a + b;
CREATE FUNCTION old_math.add_one(a integer) RETURNS integer LANGUAGE sql IMMUTABLE RETURN old_math.add(a, 1);
CREATE FUNCTION public.positive(x integer) RETURNS boolean LANGUAGE sql IMMUTABLE RETURN x > 0;
CREATE FUNCTION public.helper(x integer) RETURNS integer LANGUAGE sql IMMUTABLE RETURN x * 2;
CREATE FUNCTION public.uses_helper(x integer) RETURNS integer LANGUAGE sql IMMUTABLE RETURN public.helper(x);
CREATE TABLE public.counts (n integer CHECK (public.positive(n)));
