-- min-server: 18
CREATE TABLE jobs (
    id integer NOT NULL,
    chat_id bigint NOT NULL
);
