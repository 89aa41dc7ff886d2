CREATE SEQUENCE invoice_numbers START 1000;
CREATE SEQUENCE old_counter;
CREATE SEQUENCE ticket_seq INCREMENT 1 CACHE 1;
CREATE TABLE items (id serial PRIMARY KEY, name text);
