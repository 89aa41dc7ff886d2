CREATE TABLE tickets (code text PRIMARY KEY);
INSERT INTO tickets VALUES ('a'), ('b');
