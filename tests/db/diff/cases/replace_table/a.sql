CREATE TABLE old_jobs (id serial PRIMARY KEY, payload text);
CREATE TABLE counters (id serial PRIMARY KEY);
