-- pgwarden's migration ledger: one row per version, plus an audit trail of manual changes.
CREATE SCHEMA IF NOT EXISTS pgwarden;

CREATE TABLE IF NOT EXISTS pgwarden.migrations (
    version bigint PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    duration_ms integer NOT NULL DEFAULT 0,
    applied_by jsonb NOT NULL DEFAULT '{}'::jsonb,
    success boolean NOT NULL,
    error text,
    statements_done integer
);

CREATE TABLE IF NOT EXISTS pgwarden.migration_audit (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    action text NOT NULL,
    version bigint,
    detail jsonb NOT NULL DEFAULT '{}'::jsonb,
    actor jsonb NOT NULL DEFAULT '{}'::jsonb
);
