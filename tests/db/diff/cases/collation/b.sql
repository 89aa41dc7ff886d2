CREATE TABLE names (id integer PRIMARY KEY, a text COLLATE "C", b text, c varchar(10) COLLATE "C", d text COLLATE "POSIX");
