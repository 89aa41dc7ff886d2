CREATE TABLE bookings (id integer PRIMARY KEY, lesson_id integer NOT NULL, status text NOT NULL, note text);
