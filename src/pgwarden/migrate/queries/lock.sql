-- The migration lock: a row with an expiry and a fencing token, taken and renewed in short
-- transactions, so it holds through a connection pooler in transaction mode (no session state).
CREATE SCHEMA IF NOT EXISTS pgwarden;

CREATE TABLE IF NOT EXISTS pgwarden.locks (
    name text PRIMARY KEY,
    token bigint NOT NULL DEFAULT 0,
    holder text,
    client_addr text,
    session_pid integer,
    session_start timestamptz,
    taken_at timestamptz,
    renewed_at timestamptz,
    expires_at timestamptz,
    released boolean NOT NULL DEFAULT true
);
