CREATE TABLE parents (id integer PRIMARY KEY);
CREATE TABLE payments (id integer PRIMARY KEY, amount numeric, parent_id integer);
ALTER TABLE payments ADD CONSTRAINT payments_amount_positive CHECK (amount > 0);
ALTER TABLE payments ADD CONSTRAINT payments_parent_fk FOREIGN KEY (parent_id) REFERENCES parents (id) NOT VALID;
ALTER TABLE payments ADD CONSTRAINT payments_amount_small CHECK (amount < 1000000) NOT VALID;
