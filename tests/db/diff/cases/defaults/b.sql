CREATE TABLE settings (
    id integer PRIMARY KEY,
    enabled boolean DEFAULT true,
    retries integer DEFAULT 5,
    updated_at timestamptz,
    kind text DEFAULT ('prefix-' || 'b')
);
