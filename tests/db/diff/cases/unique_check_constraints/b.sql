CREATE TABLE accounts (
    id integer PRIMARY KEY,
    email text CONSTRAINT accounts_email_key UNIQUE,
    age integer CONSTRAINT accounts_age_check CHECK (age >= 18),
    nick text,
    code text,
    CONSTRAINT accounts_email_lower CHECK (email = lower(email))
);
ALTER TABLE accounts ADD CONSTRAINT accounts_code_key UNIQUE (code) DEFERRABLE INITIALLY DEFERRED;
