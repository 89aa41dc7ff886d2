-- A parent's rename and type change reach its children (also one declaring the column itself);
-- a parent's default stops at the parent; a child's own column is added before the parent's;
-- a column dropped two levels up is kept by the grandchild that declares it.
CREATE TABLE p (id int, old_name text, v int DEFAULT 1);
CREATE TABLE c1 (z int) INHERITS (p);
CREATE TABLE c2 (old_name text, v int) INHERITS (p);
ALTER TABLE c2 ALTER COLUMN v SET DEFAULT 5;
CREATE TABLE g (id int, x int);
CREATE TABLE m (m int) INHERITS (g);
CREATE TABLE l (l int) INHERITS (m);
