-- A parent's column is dropped on the parent ONLY: a child that keeps the column keeps it (and
-- its values: tests/db/diff/test_inheritance_data.py), the other children drop their copies after.
CREATE TABLE base (created_at timestamp DEFAULT now(), e integer, gone text, kept_type integer);
CREATE TABLE a (a1 integer, a2 integer) INHERITS (base);
CREATE TABLE b (b1 integer) INHERITS (base);
