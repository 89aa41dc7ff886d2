CREATE COLLATION posix_copy FROM "POSIX";
CREATE COLLATION retired (provider = libc, lc_collate = 'C', lc_ctype = 'C');
CREATE COLLATION redefined (provider = libc, lc_collate = 'POSIX', lc_ctype = 'POSIX');
CREATE TABLE t (a text, b text COLLATE posix_copy, c text COLLATE retired, d varchar(5) COLLATE redefined);
