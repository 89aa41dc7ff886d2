-- Partitioned tables whose partitions become plain tables. On DETACH a partition keeps, as its
-- own, the foreign keys, unique constraints and indexes its parent gave it: the kept foreign
-- keys would block dropping the parents, the kept indexes would take the expected names.
CREATE TABLE orders (
    id int,
    region text,
    ref text,
    UNIQUE (region, ref)
) PARTITION BY LIST (region);
CREATE INDEX orders_id ON orders (id);
CREATE TABLE orders_eu PARTITION OF orders FOR VALUES IN ('eu');

CREATE TABLE refs (
    region text,
    ref text
) PARTITION BY LIST (region);
CREATE TABLE refs_eu PARTITION OF refs FOR VALUES IN ('eu');
CREATE UNIQUE INDEX refs_unique ON refs (region, ref);

ALTER TABLE refs ADD CONSTRAINT refs_orders_fk FOREIGN KEY (region, ref) REFERENCES orders (region, ref);
ALTER TABLE orders ADD CONSTRAINT orders_refs_fk FOREIGN KEY (region, ref) REFERENCES refs (region, ref);
