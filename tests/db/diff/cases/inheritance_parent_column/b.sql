CREATE TABLE base (created_at timestamp DEFAULT now(), kept_type bigint);
CREATE TABLE a (a1 integer) INHERITS (base);
ALTER TABLE a ADD COLUMN e integer;
CREATE TABLE b (b1 integer) INHERITS (base);
