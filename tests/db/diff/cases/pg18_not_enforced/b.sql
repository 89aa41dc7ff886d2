-- min-server: 18
-- NOT ENFORCED constraints (PostgreSQL 18): enforcement is part of the definition, so it is drift;
-- and one is not "never validated" (there is nothing to validate).
CREATE TABLE users (id integer PRIMARY KEY);
CREATE TABLE orders (
    id integer PRIMARY KEY,
    user_id integer,
    total numeric,
    CONSTRAINT orders_total_positive CHECK (total > 0) NOT ENFORCED,
    CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT orders_total_small CHECK (total < 1000000) NOT ENFORCED
);
