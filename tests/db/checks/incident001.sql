-- The schema of incident 001 (seeds/001): bookings that become active get a chat room from a trigger.
CREATE TABLE users (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text);
CREATE TABLE lessons (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    teacher_id uuid NOT NULL REFERENCES users (id),
    student_id uuid REFERENCES users (id),
    start_time timestamp,
    end_time timestamp,
    created_at timestamp DEFAULT now(),
    updated_at timestamp,
    deleted_at timestamp
);
CREATE TABLE bookings (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    lesson_id uuid NOT NULL REFERENCES lessons (id),
    student_id uuid NOT NULL REFERENCES users (id),
    status varchar(50),
    created_at timestamp DEFAULT now(),
    updated_at timestamp,
    deleted_at timestamp
);
CREATE TABLE chat_rooms (
    id uuid PRIMARY KEY,
    teacher_id uuid NOT NULL REFERENCES users (id),
    student_id uuid NOT NULL REFERENCES users (id),
    last_message_at timestamp,
    created_at timestamp,
    updated_at timestamp,
    deleted_at timestamp,
    UNIQUE (teacher_id, student_id)
);
CREATE TABLE messages (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    chat_room_id uuid NOT NULL REFERENCES chat_rooms (id),
    sender_id uuid NOT NULL REFERENCES users (id),
    message_text text,
    status varchar(50),
    created_at timestamp DEFAULT now(),
    deleted_at timestamp
);
CREATE FUNCTION create_chat_on_booking_active() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO chat_rooms (id, teacher_id, student_id, created_at, updated_at)
    SELECT gen_random_uuid(), l.teacher_id, NEW.student_id, now(), now()
    FROM lessons l WHERE l.id = NEW.lesson_id AND l.teacher_id <> NEW.student_id
    ON CONFLICT (teacher_id, student_id) DO NOTHING;
    RETURN NEW;
END $$;
CREATE TRIGGER booking_create_chat BEFORE INSERT ON bookings
    FOR EACH ROW WHEN (NEW.status = 'active') EXECUTE FUNCTION create_chat_on_booking_active();
CREATE TRIGGER booking_create_chat_update BEFORE UPDATE ON bookings
    FOR EACH ROW WHEN (NEW.status = 'active' AND OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION create_chat_on_booking_active();
