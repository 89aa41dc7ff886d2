CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE TABLE rooms (
    id integer NOT NULL,
    valid_at daterange NOT NULL,
    CONSTRAINT rooms_pk PRIMARY KEY (id, valid_at)
);
CREATE TABLE bookings (
    id integer PRIMARY KEY,
    room_id integer NOT NULL,
    during daterange NOT NULL
);
