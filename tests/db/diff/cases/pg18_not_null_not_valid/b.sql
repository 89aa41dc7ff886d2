-- dump-gap: 18: NOT NULL constraint names (PostgreSQL 18 names them) after a rename or rebuild are not compared
-- min-server: 18
CREATE TABLE jobs (
    id integer NOT NULL,
    chat_id bigint NOT NULL
);
