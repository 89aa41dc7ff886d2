-- no-drift: only white space, comments and keyword case differ in the bodies
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
begin
    -- keep updated_at current
    new.updated_at := now();   return new;
end
$$;
CREATE FUNCTION total(a integer, b integer) RETURNS integer LANGUAGE sql AS $$
    select a+b   /* the sum */
$$;
