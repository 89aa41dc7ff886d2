-- Telegram users of the bot: teachers, students and admins.
CREATE TABLE users (
    id            uuid         NOT NULL DEFAULT gen_random_uuid(),
    telegram_id   bigint       NOT NULL,
    username      varchar(64),
    first_name    varchar(255),
    last_name     varchar(255),
    language_code varchar(10),
    role          varchar(20)  NOT NULL DEFAULT 'student',
    is_blocked    boolean      NOT NULL DEFAULT false,
    created_at    timestamptz  NOT NULL DEFAULT now(),
    updated_at    timestamptz  NOT NULL DEFAULT now(),
    PRIMARY KEY (id),
    UNIQUE (telegram_id)
);
