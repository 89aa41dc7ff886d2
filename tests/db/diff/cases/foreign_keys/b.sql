CREATE TABLE lessons (id integer PRIMARY KEY, teacher_id integer NOT NULL);
CREATE TABLE students (id integer PRIMARY KEY);
CREATE TABLE bookings (
    id integer PRIMARY KEY,
    lesson_id integer REFERENCES lessons (id) ON DELETE CASCADE,
    student_id integer REFERENCES students (id) DEFERRABLE INITIALLY DEFERRED
);
