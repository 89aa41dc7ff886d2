CREATE TABLE orders (
    id serial PRIMARY KEY,
    total numeric(10,2) NOT NULL CHECK (total >= 0),
    parent_id integer REFERENCES orders (id),
    placed_at timestamptz DEFAULT now()
);
CREATE INDEX orders_placed_at_idx ON orders (placed_at);
CREATE TABLE order_lines (id serial PRIMARY KEY, order_id integer NOT NULL REFERENCES orders (id) ON DELETE CASCADE);
