CREATE DOMAIN posint AS integer DEFAULT 1 NOT NULL CONSTRAINT posint_check CHECK (VALUE >= 1) CONSTRAINT posint_small CHECK (VALUE < 1000);
CREATE DOMAIN email AS text CHECK (VALUE LIKE '%@%');
CREATE DOMAIN short_code AS varchar(10);
CREATE DOMAIN percent AS numeric(5,2) CHECK (VALUE BETWEEN 0 AND 100);
CREATE TABLE contacts (id integer PRIMARY KEY, qty posint, mail email, code short_code, share percent);
