-- New labels used by the same script (a default, a check): PostgreSQL refuses a label in the
-- transaction that added it, so the script commits the labels first.
CREATE TYPE status AS ENUM ('new', 'waiting', 'done', 'failed');
CREATE TABLE tasks (
    id integer PRIMARY KEY,
    status status NOT NULL DEFAULT 'waiting',
    CONSTRAINT tasks_not_failed CHECK (status <> 'failed')
);
