-- dump-gap: 18: NOT NULL constraint names (PostgreSQL 18 names them) after a rename or rebuild are not compared
CREATE TABLE purchases (
    id serial PRIMARY KEY,
    total numeric(10,2) NOT NULL CHECK (total >= 0),
    parent_id integer REFERENCES purchases (id),
    placed_at timestamptz DEFAULT now()
);
CREATE INDEX purchases_placed_at_idx ON purchases (placed_at);
CREATE TABLE order_lines (id serial PRIMARY KEY, order_id integer NOT NULL REFERENCES purchases (id) ON DELETE CASCADE);
