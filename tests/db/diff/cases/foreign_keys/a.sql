CREATE TABLE lessons (id integer PRIMARY KEY, teacher_id integer NOT NULL);
CREATE TABLE bookings (
    id integer PRIMARY KEY,
    lesson_id integer REFERENCES lessons (id),
    student_id integer
);
CREATE TABLE students (id integer PRIMARY KEY);
