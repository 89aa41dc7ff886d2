CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
CREATE DOMAIN email AS text;
CREATE DOMAIN short_code AS varchar(5);
CREATE DOMAIN gone AS text;
CREATE TABLE contacts (id integer PRIMARY KEY, qty posint, mail email, code short_code);
INSERT INTO contacts VALUES (1, 3, 'a@b.c', 'ab');
