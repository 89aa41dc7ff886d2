-- dump-gap: 18: NOT NULL constraint names (PostgreSQL 18 names them) after a rename or rebuild are not compared
CREATE TABLE new_jobs (id serial PRIMARY KEY, kind text NOT NULL, payload jsonb);
CREATE TABLE counters (n serial PRIMARY KEY);
