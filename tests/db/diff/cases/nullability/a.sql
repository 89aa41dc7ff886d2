CREATE TABLE bookings (id integer PRIMARY KEY, lesson_id integer, status text NOT NULL, note text NOT NULL);
