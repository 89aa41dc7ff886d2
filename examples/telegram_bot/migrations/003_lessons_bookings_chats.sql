-- Lessons, bookings and the teacher-student chat rooms with their messages.
CREATE TABLE lessons (
    id           uuid         NOT NULL DEFAULT gen_random_uuid(),
    teacher_id   uuid         NOT NULL REFERENCES users (id),
    title        varchar(255) NOT NULL,
    start_time   timestamptz  NOT NULL,
    end_time     timestamptz  NOT NULL,
    max_students integer      NOT NULL DEFAULT 1,
    created_at   timestamptz  NOT NULL DEFAULT now(),
    updated_at   timestamptz  NOT NULL DEFAULT now(),
    deleted_at   timestamptz,
    PRIMARY KEY (id),
    CONSTRAINT ck_lessons_time_order CHECK (end_time > start_time)
);

CREATE INDEX ix_lessons_teacher_id_start_time ON lessons (teacher_id, start_time);

CREATE TABLE bookings (
    id         uuid        NOT NULL DEFAULT gen_random_uuid(),
    lesson_id  uuid        NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,
    student_id uuid        NOT NULL REFERENCES users (id),
    status     varchar(50) NOT NULL DEFAULT 'pending',  -- pending, active, completed, cancelled
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    PRIMARY KEY (id)
);

CREATE INDEX ix_bookings_lesson_id ON bookings (lesson_id);
CREATE INDEX ix_bookings_student_id_active ON bookings (student_id)
    WHERE status = 'active' AND deleted_at IS NULL;

CREATE TABLE chat_rooms (
    id              uuid        NOT NULL DEFAULT gen_random_uuid(),
    teacher_id      uuid        NOT NULL REFERENCES users (id),
    student_id      uuid        NOT NULL REFERENCES users (id),
    last_message_at timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    deleted_at      timestamptz,
    PRIMARY KEY (id),
    -- One room per pair, whoever creates it first (trigger or the app's get-or-create).
    CONSTRAINT uq_chat_rooms_teacher_student UNIQUE (teacher_id, student_id)
);

CREATE TABLE messages (
    id                      uuid        NOT NULL DEFAULT gen_random_uuid(),
    chat_room_id            uuid        NOT NULL REFERENCES chat_rooms (id) ON DELETE CASCADE,
    sender_id               uuid        NOT NULL REFERENCES users (id),
    message_text            text        NOT NULL,
    status                  varchar(50) NOT NULL DEFAULT 'pending_moderation',
    moderation_completed_at timestamptz,
    created_at              timestamptz NOT NULL DEFAULT now(),
    deleted_at              timestamptz,
    PRIMARY KEY (id)
);

CREATE INDEX ix_messages_chat_room_id_created_at ON messages (chat_room_id, created_at);
