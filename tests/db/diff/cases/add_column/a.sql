CREATE TABLE jobs (id bigint PRIMARY KEY, title text NOT NULL);
