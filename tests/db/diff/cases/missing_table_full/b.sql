CREATE TABLE users (id integer PRIMARY KEY);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TABLE "Audit Log" (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id integer NOT NULL REFERENCES users (id),
    action text COLLATE "C" NOT NULL DEFAULT 'none',
    amount numeric(12,2) CHECK (amount > 0),
    doubled numeric GENERATED ALWAYS AS (amount * 2) STORED,
    at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, at)
);
COMMENT ON TABLE "Audit Log" IS 'who did what';
COMMENT ON COLUMN "Audit Log".action IS 'verb';
CREATE INDEX audit_recent ON "Audit Log" (at) WHERE action <> 'none';
CREATE TRIGGER audit_touch BEFORE UPDATE ON "Audit Log" FOR EACH ROW EXECUTE FUNCTION touch();
ALTER TABLE "Audit Log" ENABLE ROW LEVEL SECURITY;
CREATE POLICY audit_own ON "Audit Log" USING (user_id > 0);
CREATE TABLE counters (id serial PRIMARY KEY, n integer);
