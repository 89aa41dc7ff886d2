CREATE TABLE tickets (code text PRIMARY KEY, seq bigserial, small smallserial);
