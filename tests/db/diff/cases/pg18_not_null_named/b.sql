-- min-server: 18
-- PostgreSQL 18 keeps NOT NULL as named constraints in pg_constraint; nullability is what differs.
CREATE TABLE users (
    id integer CONSTRAINT users_id_required NOT NULL,
    email text,
    nick text,
    CONSTRAINT users_email_required NOT NULL email
);
