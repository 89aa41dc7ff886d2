CREATE TYPE status AS ENUM ('new', 'done');
CREATE TABLE tasks (id integer PRIMARY KEY, status status NOT NULL DEFAULT 'new');
