CREATE TYPE status AS ENUM ('draft', 'new', 'active', 'paused', 'done', 'archived');
CREATE TYPE priority AS ENUM ('low', 'high');
CREATE TABLE tasks (id integer PRIMARY KEY, status status NOT NULL DEFAULT 'new', priority priority);
