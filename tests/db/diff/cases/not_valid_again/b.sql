-- A valid CHECK and foreign key expected NOT VALID: dropped and added back NOT VALID.
CREATE TABLE public.lessons (id integer PRIMARY KEY);
CREATE TABLE public.bookings (id integer PRIMARY KEY, lesson_id integer, seats integer);
ALTER TABLE public.bookings ADD CONSTRAINT bookings_lesson_fk FOREIGN KEY (lesson_id) REFERENCES public.lessons (id) NOT VALID;
ALTER TABLE public.bookings ADD CONSTRAINT bookings_seats_check CHECK (seats > 0) NOT VALID;
