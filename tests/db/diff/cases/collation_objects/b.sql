-- libc collations only: every server build has them (ICU ones are in collation_icu).
CREATE COLLATION posix_copy FROM "POSIX";
CREATE COLLATION redefined (provider = libc, lc_collate = 'C', lc_ctype = 'C');
CREATE COLLATION added (provider = libc, lc_collate = 'C', lc_ctype = 'POSIX');
CREATE TABLE t (a text COLLATE added, b text COLLATE posix_copy, c text, d varchar(5) COLLATE redefined);
