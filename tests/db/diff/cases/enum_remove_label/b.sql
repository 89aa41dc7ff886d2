CREATE SCHEMA app;
CREATE TYPE app.mood AS ENUM ('happy', 'ok', 'sad');
CREATE TABLE app.people (id integer PRIMARY KEY, mood app.mood DEFAULT 'ok', history app.mood[]);
