-- dump-gap: 18: NOT NULL constraint names (PostgreSQL 18 names them) after a rename or rebuild are not compared
-- min-server: 18
-- PostgreSQL 18 keeps NOT NULL as named constraints in pg_constraint; nullability is what differs.
CREATE TABLE users (
    id integer CONSTRAINT users_id_required NOT NULL,
    email text,
    nick text,
    CONSTRAINT users_email_required NOT NULL email
);
