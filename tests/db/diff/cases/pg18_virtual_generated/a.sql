CREATE TABLE prices (
    id integer PRIMARY KEY,
    net numeric NOT NULL,
    gross numeric GENERATED ALWAYS AS (net * 1.2) STORED,
    tax numeric GENERATED ALWAYS AS (net * 0.2) VIRTUAL,
    cents numeric GENERATED ALWAYS AS (net * 100) VIRTUAL,
    label text
);
