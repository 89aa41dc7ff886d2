-- A NOT NULL added NOT VALID guarantees nothing about the rows already there.
CREATE TABLE jobs (
    id integer NOT NULL,
    chat_id bigint
);
ALTER TABLE jobs ADD CONSTRAINT jobs_chat_id_required NOT NULL chat_id NOT VALID;
