CREATE COLLATION posix_copy FROM "POSIX";
CREATE COLLATION numeric (provider = icu, locale = 'en-u-kn-true');
CREATE TABLE t (a text, b text COLLATE posix_copy);
