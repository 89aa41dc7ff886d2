-- min-server: 18
-- Virtual generated columns (PostgreSQL 18): stored vs virtual is drift, and so is the expression.
CREATE TABLE prices (
    id integer PRIMARY KEY,
    net numeric NOT NULL,
    gross numeric GENERATED ALWAYS AS (net * 1.2) VIRTUAL,
    tax numeric GENERATED ALWAYS AS (net * 0.25) VIRTUAL,
    cents numeric,
    label text GENERATED ALWAYS AS ('net ' || net) VIRTUAL,
    double numeric GENERATED ALWAYS AS (net * 2)
);
