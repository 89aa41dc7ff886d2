CREATE TABLE lessons (id integer PRIMARY KEY, teacher_id integer NOT NULL);
CREATE TABLE bookings (id integer PRIMARY KEY, lesson_id integer REFERENCES lessons (id), student_id integer, status text);
CREATE TABLE chat_rooms (id serial PRIMARY KEY, teacher_id integer, student_id integer, UNIQUE (teacher_id, student_id));
CREATE FUNCTION create_chat_on_booking_active() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status = 'active' THEN
    INSERT INTO chat_rooms (teacher_id, student_id)
    SELECT l.teacher_id, NEW.student_id FROM lessons l WHERE l.id = NEW.lesson_id
    ON CONFLICT DO NOTHING;
  END IF;
  RETURN NEW;
END $$;
CREATE FUNCTION audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER bookings_audit AFTER DELETE ON bookings FOR EACH STATEMENT EXECUTE FUNCTION audit();
