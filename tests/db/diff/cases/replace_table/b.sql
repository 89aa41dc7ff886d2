CREATE TABLE new_jobs (id serial PRIMARY KEY, kind text NOT NULL, payload jsonb);
CREATE TABLE counters (n serial PRIMARY KEY);
