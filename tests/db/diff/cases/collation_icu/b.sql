-- requires: icu
CREATE COLLATION numeric (provider = icu, locale = 'en-u-kn-true');
CREATE COLLATION case_insensitive (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE t (a text COLLATE case_insensitive, b text COLLATE numeric, c text COLLATE numeric);
