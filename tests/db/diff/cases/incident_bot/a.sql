-- The drifted production database of the incidents: old column name, trigger missing, legacy jobs table.
CREATE TABLE users (id bigserial PRIMARY KEY, telegram_id bigint NOT NULL UNIQUE);
CREATE TABLE conversations (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id),
    started_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversations_user_started ON conversations (user_id, started_at);
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
CREATE TABLE jobs (id bigserial PRIMARY KEY, kind text NOT NULL, payload jsonb);
CREATE TABLE tmp_import (id integer, raw text);
