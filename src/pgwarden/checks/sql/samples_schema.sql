-- What the guardian measured of each invariant over time, for the console's charts; bounded by retention.
-- Created with the runtime's tables (runtime/connection.py), never by a write: see HISTORY_TABLES there.

CREATE TABLE IF NOT EXISTS pgwarden.invariant_samples (
    invariant text NOT NULL,
    at timestamptz NOT NULL DEFAULT now(),
    violations bigint,
    lag_p95_seconds float8,
    PRIMARY KEY (invariant, at)
);
