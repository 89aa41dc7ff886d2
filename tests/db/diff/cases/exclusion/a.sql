CREATE TABLE rooms (id integer PRIMARY KEY);
CREATE TABLE reservations (id integer PRIMARY KEY, room_id integer, during tsrange);
