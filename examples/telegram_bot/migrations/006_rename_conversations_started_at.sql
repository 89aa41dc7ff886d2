-- The code now says conversations.created_at (incident 000: a server that missed
-- this migration failed every 10 minutes with "column ... does not exist").
ALTER TABLE conversations RENAME COLUMN started_at TO created_at;
