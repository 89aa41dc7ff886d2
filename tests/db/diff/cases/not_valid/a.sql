CREATE TABLE parents (id integer PRIMARY KEY);
CREATE TABLE payments (id integer PRIMARY KEY, amount numeric, parent_id integer);
INSERT INTO payments VALUES (1, 10, NULL);
ALTER TABLE payments ADD CONSTRAINT payments_amount_positive CHECK (amount > 0) NOT VALID;
