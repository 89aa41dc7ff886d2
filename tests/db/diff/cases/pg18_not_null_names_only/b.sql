-- min-server: 18
-- no-drift
-- Only the names of NOT NULL constraints differ: not drift, since servers before 18 (and
-- SQLAlchemy models) have no such names, and a name changes nothing a bot can see.
CREATE TABLE users (
    id integer,
    email text,
    CONSTRAINT users_id_required NOT NULL id,
    CONSTRAINT users_email_named_otherwise NOT NULL email
);
