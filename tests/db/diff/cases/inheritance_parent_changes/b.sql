CREATE TABLE p (id int, new_name text, v bigint DEFAULT 2, src text);
CREATE TABLE c1 (z int) INHERITS (p);
CREATE TABLE c2 (new_name text, v bigint, src text) INHERITS (p);
ALTER TABLE c2 ALTER COLUMN v SET DEFAULT 5;
CREATE TABLE g (id int);
CREATE TABLE m (m int) INHERITS (g);
CREATE TABLE l (l int, x int) INHERITS (m);
