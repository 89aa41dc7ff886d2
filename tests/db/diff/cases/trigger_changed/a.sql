CREATE TABLE bookings (id integer PRIMARY KEY, status text, lesson_id integer);
CREATE FUNCTION on_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE FUNCTION on_change_v2() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER bookings_when BEFORE UPDATE ON bookings FOR EACH ROW WHEN (NEW.status = 'active') EXECUTE FUNCTION on_change();
CREATE TRIGGER bookings_timing AFTER INSERT ON bookings FOR EACH ROW EXECUTE FUNCTION on_change();
CREATE TRIGGER bookings_fn BEFORE INSERT ON bookings FOR EACH ROW EXECUTE FUNCTION on_change();
ALTER TABLE bookings DISABLE TRIGGER bookings_fn;
