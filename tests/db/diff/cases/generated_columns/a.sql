CREATE TABLE prices (
    id integer PRIMARY KEY,
    net numeric NOT NULL,
    gross numeric GENERATED ALWAYS AS (net * 1.2) STORED,
    frozen numeric GENERATED ALWAYS AS (net * 2) STORED
);
