CREATE TABLE orders (
    id int,
    region text,
    ref text,
    UNIQUE (region, ref)
);
CREATE INDEX orders_id ON orders (id);
CREATE INDEX orders_eu_id_idx ON orders (id);

CREATE TABLE orders_eu (
    id int,
    region text,
    ref text,
    UNIQUE (region, ref)
);

CREATE TABLE refs (
    region text,
    ref text
);
CREATE TABLE refs_eu (
    region text,
    ref text
);
CREATE UNIQUE INDEX refs_unique ON refs (region, ref);

ALTER TABLE refs ADD CONSTRAINT refs_orders_fk FOREIGN KEY (region, ref) REFERENCES orders (region, ref);
ALTER TABLE orders ADD CONSTRAINT orders_refs_fk FOREIGN KEY (region, ref) REFERENCES refs (region, ref);
