-- A booking that becomes active gets a teacher-student chat room (incident 001).
CREATE OR REPLACE FUNCTION create_chat_on_booking_active() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    v_teacher_id uuid;
BEGIN
    SELECT l.teacher_id INTO v_teacher_id
    FROM lessons l
    WHERE l.id = NEW.lesson_id AND l.deleted_at IS NULL;

    IF v_teacher_id IS NOT NULL AND v_teacher_id <> NEW.student_id THEN
        INSERT INTO chat_rooms (teacher_id, student_id)
        VALUES (v_teacher_id, NEW.student_id)
        ON CONFLICT (teacher_id, student_id) DO NOTHING;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER booking_create_chat
    BEFORE INSERT ON bookings
    FOR EACH ROW
    WHEN (NEW.status = 'active')
    EXECUTE FUNCTION create_chat_on_booking_active();

CREATE TRIGGER booking_create_chat_update
    BEFORE UPDATE ON bookings
    FOR EACH ROW
    WHEN (NEW.status = 'active' AND OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION create_chat_on_booking_active();
