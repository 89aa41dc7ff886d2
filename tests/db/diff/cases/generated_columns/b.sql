CREATE TABLE prices (
    id integer PRIMARY KEY,
    net numeric NOT NULL,
    gross numeric GENERATED ALWAYS AS (net * 1.25) STORED,
    frozen numeric,
    tax numeric GENERATED ALWAYS AS (net * 0.2) STORED
);
