-- Generation jobs, delivered to a Telegram chat.
--
-- Databases from before the schema consolidation already have a `jobs` table
-- without chat_id and delivered_at (incident 004). CREATE TABLE IF NOT EXISTS
-- skips such a table, so the new columns are added explicitly BEFORE any index
-- uses them; every statement is safe to run on both a fresh and a legacy database.
CREATE TABLE IF NOT EXISTS jobs (
    id           bigserial   NOT NULL,
    user_id      bigint      NOT NULL,  -- Telegram user id
    model_id     text        NOT NULL,
    prompt       text,
    status       varchar(32) NOT NULL DEFAULT 'queued',
    result_url   text,
    error        text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    chat_id      bigint,
    delivered_at timestamptz,
    PRIMARY KEY (id)
);

ALTER TABLE jobs ADD COLUMN IF NOT EXISTS chat_id bigint;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS delivered_at timestamptz;

CREATE INDEX IF NOT EXISTS idx_jobs_user_id ON jobs (user_id);
CREATE INDEX IF NOT EXISTS idx_jobs_chat_id ON jobs (chat_id);
