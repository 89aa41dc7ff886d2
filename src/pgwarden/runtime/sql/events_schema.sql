-- What the guardian did and saw, for the console's timeline: gate verdicts, demotions, scheduled backups.
-- Bounded by runtime/history.py (30 days, 10,000 rows); created with the runtime's tables (connection.py).
CREATE TABLE IF NOT EXISTS pgwarden.events (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    name text NOT NULL,
    instance text NOT NULL,
    kind text NOT NULL,
    outcome text NOT NULL CHECK (outcome IN ('ok', 'warn', 'bad')),
    summary text NOT NULL
);

CREATE INDEX IF NOT EXISTS events_at_idx ON pgwarden.events (at);
