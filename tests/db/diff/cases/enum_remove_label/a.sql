CREATE SCHEMA app;
CREATE TYPE app.mood AS ENUM ('sad', 'meh', 'ok', 'happy');
CREATE TABLE app.people (id integer PRIMARY KEY, mood app.mood DEFAULT 'ok', history app.mood[]);
INSERT INTO app.people VALUES (1, 'happy', '{sad,ok}');
CREATE TYPE app.unused AS ENUM ('x');
