CREATE TABLE rooms (id integer PRIMARY KEY);
CREATE TABLE reservations (
    id integer PRIMARY KEY,
    room_id integer,
    during tsrange,
    CONSTRAINT reservations_no_overlap EXCLUDE USING gist (during WITH &&) WHERE (room_id IS NOT NULL) DEFERRABLE
);
