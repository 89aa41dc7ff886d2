CREATE TABLE names (id integer PRIMARY KEY, a text, b text COLLATE "C", c varchar(10) COLLATE "POSIX");
