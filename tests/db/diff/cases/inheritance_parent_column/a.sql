-- Dropping a parent's column drops the inherited copies: the script must not drop them again,
-- and a child that keeps the column as its own gets it back after the parent's drop.
CREATE TABLE base (created_at timestamp DEFAULT now(), e integer, gone text, kept_type integer);
CREATE TABLE a (a1 integer, a2 integer) INHERITS (base);
CREATE TABLE b (b1 integer) INHERITS (base);
