-- PostgreSQL version of db/migration/V11__webhook_tokens.sql (same version; the Flyway location of jdbc:postgresql: stores).
-- Single-use webhook tokens (Mailgun signature.token) already accepted, so a captured request cannot be replayed,
-- not even after a restart or on another node. A row may be deleted once expires_at (epoch ms) has passed: the
-- signed timestamp is then outside the replay window and the verifier refuses the request anyway.
-- Portable SQL (SQLite and PostgreSQL).

CREATE TABLE webhook_tokens (
    provider    VARCHAR(32)  NOT NULL,
    token       VARCHAR(255) NOT NULL,
    used_at     BIGINT       NOT NULL,
    expires_at  BIGINT       NOT NULL,
    PRIMARY KEY (provider, token)
);
CREATE INDEX webhook_tokens_expiry ON webhook_tokens (expires_at);
