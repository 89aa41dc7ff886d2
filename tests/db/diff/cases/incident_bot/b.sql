-- dump-gap: 18: NOT NULL constraint names (PostgreSQL 18 names them) after a rename or rebuild are not compared
CREATE TABLE users (id bigserial PRIMARY KEY, telegram_id bigint NOT NULL UNIQUE);
CREATE TABLE conversations (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversations_user_started ON conversations (user_id, created_at);
CREATE TABLE lessons (id bigserial PRIMARY KEY, teacher_id bigint NOT NULL REFERENCES users (id));
CREATE TABLE bookings (
    id bigserial PRIMARY KEY,
    lesson_id bigint NOT NULL REFERENCES lessons (id),
    student_id bigint NOT NULL REFERENCES users (id),
    status text NOT NULL DEFAULT 'pending'
);
CREATE TABLE chat_rooms (
    id bigserial PRIMARY KEY,
    teacher_id bigint NOT NULL,
    student_id bigint NOT NULL,
    UNIQUE (teacher_id, student_id)
);
CREATE TABLE jobs (id bigserial PRIMARY KEY, kind text NOT NULL, payload jsonb, chat_id bigint REFERENCES chat_rooms (id));
CREATE FUNCTION create_chat_on_booking_active() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status = 'active' THEN
    INSERT INTO chat_rooms (teacher_id, student_id)
    SELECT l.teacher_id, NEW.student_id FROM lessons l WHERE l.id = NEW.lesson_id
    ON CONFLICT DO NOTHING;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER booking_create_chat BEFORE INSERT ON bookings
  FOR EACH ROW EXECUTE FUNCTION create_chat_on_booking_active();
CREATE TRIGGER booking_create_chat_update BEFORE UPDATE ON bookings
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION create_chat_on_booking_active();
