CREATE TABLE jobs (
    id bigint PRIMARY KEY,
    title text NOT NULL,
    chat_id bigint,
    status varchar(20) NOT NULL DEFAULT 'new',
    tags text[] DEFAULT '{}'::text[]
);
COMMENT ON COLUMN jobs.chat_id IS 'Telegram chat that asked for the job';
