CREATE TABLE users (
    id integer,
    email text,
    nick text NOT NULL
);
