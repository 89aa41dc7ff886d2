CREATE TABLE public.lessons (id integer PRIMARY KEY);
CREATE TABLE public.bookings (id integer PRIMARY KEY, lesson_id integer, seats integer,
    CONSTRAINT bookings_lesson_fk FOREIGN KEY (lesson_id) REFERENCES public.lessons (id),
    CONSTRAINT bookings_seats_check CHECK (seats > 0));
