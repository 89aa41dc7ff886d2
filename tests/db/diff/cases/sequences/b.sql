CREATE SEQUENCE invoice_numbers START 1000;
CREATE SEQUENCE ticket_seq AS integer INCREMENT 10 MINVALUE 5 MAXVALUE 100000 START 5 CACHE 20 CYCLE;
CREATE SEQUENCE order_refs AS bigint START 500 INCREMENT 5;
CREATE TABLE items (id serial PRIMARY KEY, name text);
CREATE TABLE widgets (id bigserial PRIMARY KEY, ref bigint DEFAULT nextval('order_refs'));
