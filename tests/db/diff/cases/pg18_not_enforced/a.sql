CREATE TABLE users (id integer PRIMARY KEY);
CREATE TABLE orders (
    id integer PRIMARY KEY,
    user_id integer,
    total numeric,
    CONSTRAINT orders_total_positive CHECK (total > 0),
    CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT ENFORCED
);
