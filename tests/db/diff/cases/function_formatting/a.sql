CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$;
CREATE FUNCTION total(a integer, b integer) RETURNS integer LANGUAGE sql AS $$ SELECT a + b $$;
