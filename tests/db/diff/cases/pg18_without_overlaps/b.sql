-- min-server: 18
-- requires: btree_gist
-- Temporal keys (PostgreSQL 18): a primary key WITHOUT OVERLAPS and a foreign key with PERIOD.
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE TABLE rooms (
    id integer NOT NULL,
    valid_at daterange NOT NULL,
    CONSTRAINT rooms_pk PRIMARY KEY (id, valid_at WITHOUT OVERLAPS)
);
CREATE TABLE bookings (
    id integer PRIMARY KEY,
    room_id integer NOT NULL,
    during daterange NOT NULL,
    CONSTRAINT bookings_room_fk FOREIGN KEY (room_id, PERIOD during) REFERENCES rooms (id, PERIOD valid_at)
);
