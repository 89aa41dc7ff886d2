CREATE TABLE accounts (
    id integer PRIMARY KEY,
    email text,
    age integer CONSTRAINT accounts_age_check CHECK (age > 0),
    nick text CONSTRAINT accounts_nick_key UNIQUE,
    code text
);
ALTER TABLE accounts ADD CONSTRAINT accounts_code_key UNIQUE (code);
