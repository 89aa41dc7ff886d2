-- pgwarden's runtime tables; run under pg_advisory_xact_lock so instances starting together do not race.
CREATE SCHEMA IF NOT EXISTS pgwarden;

CREATE TABLE IF NOT EXISTS pgwarden.leases (
    name text PRIMARY KEY,
    epoch bigint NOT NULL DEFAULT 0,
    holder uuid,
    backend_pid integer,
    renewed_at timestamptz,
    expires_at timestamptz,
    released boolean NOT NULL DEFAULT true,
    taken_at timestamptz
);

CREATE TABLE IF NOT EXISTS pgwarden.instances (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    host text NOT NULL,
    pid integer NOT NULL,
    role text NOT NULL,
    epoch bigint,
    code_version text NOT NULL,
    ttl float8 NOT NULL DEFAULT 10,
    ready boolean NOT NULL DEFAULT false,
    reasons text[] NOT NULL DEFAULT '{}',
    started_at timestamptz NOT NULL DEFAULT now(),
    last_seen timestamptz NOT NULL DEFAULT now(),
    stopped_at timestamptz
);

ALTER TABLE pgwarden.instances ADD COLUMN IF NOT EXISTS ttl float8 NOT NULL DEFAULT 10;

CREATE TABLE IF NOT EXISTS pgwarden.takeovers (
    id bigserial PRIMARY KEY,
    name text NOT NULL,
    epoch bigint NOT NULL,
    holder uuid NOT NULL,
    previous uuid,
    reason text NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS pgwarden.identity (
    id integer PRIMARY KEY CHECK (id = 1),
    system_identifier text,
    canary uuid NOT NULL,
    database_oid oid NOT NULL,
    pinned_at timestamptz NOT NULL DEFAULT now(),
    pinned_by text NOT NULL
);

-- Telegram updates claimed for handling (exactly-once updates): one row per update of a lease name.
-- A claim is 'claimed' while its handler runs and 'done' after; rows older than the retention are pruned.
CREATE TABLE IF NOT EXISTS pgwarden.updates (
    name text NOT NULL,
    update_id bigint NOT NULL,
    holder uuid NOT NULL,
    epoch bigint,
    state text NOT NULL DEFAULT 'claimed' CHECK (state IN ('claimed', 'done')),
    claimed_at timestamptz NOT NULL DEFAULT now(),
    done_at timestamptz,
    PRIMARY KEY (name, update_id)
);

CREATE INDEX IF NOT EXISTS updates_claimed_at ON pgwarden.updates (name, claimed_at);

-- For fenced writes: INSERT ... SELECT ... WHERE pgwarden.holds_epoch('bot', 7), in the writer's transaction.
-- The row lock makes a takeover wait for writes in flight, and a stale writer see the new epoch.
DO $do$
BEGIN
    IF pg_catalog.to_regprocedure('pgwarden.holds_epoch(text,bigint)') IS NULL THEN
        CREATE FUNCTION pgwarden.holds_epoch(lease_name text, lease_epoch bigint) RETURNS boolean
        LANGUAGE sql VOLATILE AS $fn$
            SELECT EXISTS (
                SELECT FROM pgwarden.leases
                WHERE name = lease_name AND epoch = lease_epoch AND NOT released
                FOR SHARE
            )
        $fn$;
    END IF;
END
$do$;
