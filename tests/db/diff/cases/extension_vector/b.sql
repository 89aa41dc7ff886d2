-- requires: vector
CREATE SCHEMA ext;
CREATE EXTENSION vector WITH SCHEMA ext;
CREATE TABLE items (id integer PRIMARY KEY, embedding ext.vector(3));
