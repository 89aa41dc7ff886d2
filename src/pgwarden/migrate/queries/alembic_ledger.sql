-- What pgwarden applied of an Alembic chain: Alembic's alembic_version keeps only the heads,
-- so each revision's checksum, timing and changes are kept here.
CREATE SCHEMA IF NOT EXISTS pgwarden;

CREATE TABLE IF NOT EXISTS pgwarden.alembic_revisions (
    revision text PRIMARY KEY,
    file text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    duration_ms integer NOT NULL DEFAULT 0,
    applied_by jsonb NOT NULL DEFAULT '{}'::jsonb,
    changes jsonb NOT NULL DEFAULT '[]'::jsonb,
    how text NOT NULL DEFAULT 'applied'
);
