-- pgwarden's repair checkpoints: one row per run of one invariant's repair, one row per committed batch.
-- Created with the runtime's tables (runtime/connection.py), or by `pgwarden repair` where no guardian ran.

CREATE TABLE IF NOT EXISTS pgwarden.repair_runs (
    id bigserial PRIMARY KEY,
    invariant text NOT NULL,
    check_hash text NOT NULL,
    status text NOT NULL DEFAULT 'running'
        CHECK (status IN ('running', 'stopped', 'failed', 'done', 'abandoned')),
    key_column text,
    last_key text,
    batches integer NOT NULL DEFAULT 0,
    rows_seen bigint NOT NULL DEFAULT 0,
    rows_changed bigint NOT NULL DEFAULT 0,
    started_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    error text,
    actor jsonb NOT NULL DEFAULT '{}'::jsonb
);

CREATE INDEX IF NOT EXISTS repair_runs_invariant ON pgwarden.repair_runs (invariant, id DESC);

CREATE TABLE IF NOT EXISTS pgwarden.repair_batches (
    run_id bigint NOT NULL REFERENCES pgwarden.repair_runs (id) ON DELETE CASCADE,
    batch integer NOT NULL,
    first_key text,
    last_key text,
    rows_seen integer NOT NULL,
    rows_changed bigint NOT NULL,
    duration_ms integer NOT NULL,
    at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, batch)
);
