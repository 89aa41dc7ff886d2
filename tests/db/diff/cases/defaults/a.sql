CREATE TABLE settings (
    id integer PRIMARY KEY,
    enabled boolean,
    retries integer DEFAULT 3,
    updated_at timestamptz DEFAULT now(),
    kind text DEFAULT 'a'
);
