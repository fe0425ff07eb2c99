-- PostgreSQL version of db/migration/V1__init.sql (same version; the Flyway location of jdbc:postgresql: stores).
-- Rebound schema, version 1. Portable SQL (SQLite and PostgreSQL): times are epoch milliseconds (BIGINT),
-- ids are text, binary columns are BYTEA.

CREATE TABLE messages (
    id                VARCHAR(64)  PRIMARY KEY,
    stream            VARCHAR(64)  NOT NULL,
    mail_from         VARCHAR(512) NOT NULL,
    header_message_id VARCHAR(998),
    raw               BYTEA        NOT NULL,
    size_bytes        BIGINT       NOT NULL,
    source            VARCHAR(8)   NOT NULL,
    idempotency_key   VARCHAR(255),
    request_hash      VARCHAR(64),
    created_at        BIGINT       NOT NULL
);
CREATE UNIQUE INDEX messages_idempotency ON messages (idempotency_key);

CREATE TABLE recipients (
    id               VARCHAR(64)  PRIMARY KEY,
    message_id       VARCHAR(64)  NOT NULL REFERENCES messages (id),
    position         INTEGER      NOT NULL,
    address          VARCHAR(512) NOT NULL,
    domain           VARCHAR(255) NOT NULL,
    state            VARCHAR(16)  NOT NULL,
    initial_state    VARCHAR(16)  NOT NULL,
    next_attempt_at  BIGINT,
    attempt_count    INTEGER      NOT NULL DEFAULT 0,
    last_outcome     VARCHAR(16),
    last_reason      VARCHAR(32),
    last_rule        VARCHAR(128),
    lease_owner      VARCHAR(128),
    lease_expires_at BIGINT,
    updated_at       BIGINT       NOT NULL
);
CREATE INDEX recipients_message ON recipients (message_id);
CREATE INDEX recipients_due ON recipients (next_attempt_at);

CREATE TABLE attempts (
    id               VARCHAR(64)  PRIMARY KEY,
    recipient_id     VARCHAR(64)  NOT NULL REFERENCES recipients (id),
    message_id       VARCHAR(64)  NOT NULL REFERENCES messages (id),
    attempt_no       INTEGER      NOT NULL,
    started_at       BIGINT       NOT NULL,
    duration_ms      BIGINT       NOT NULL,
    recipient_domain VARCHAR(255) NOT NULL,
    mx_host          VARCHAR(255) NOT NULL,
    mx_ip            VARCHAR(64)  NOT NULL,
    phase            VARCHAR(16)  NOT NULL,
    smtp_code        INTEGER      NOT NULL,
    enhanced_code    VARCHAR(16)  NOT NULL,
    reply_lines      TEXT         NOT NULL,
    local_reply      INTEGER      NOT NULL,
    outcome          VARCHAR(16)  NOT NULL,
    reason           VARCHAR(32)  NOT NULL,
    rule_id          VARCHAR(128) NOT NULL,
    decision         VARCHAR(16)  NOT NULL,
    decision_reason  VARCHAR(32)  NOT NULL,
    decision_rule    VARCHAR(128) NOT NULL,
    next_attempt_at  BIGINT,
    provider_event   TEXT,
    raw_reason       TEXT         NOT NULL
);
CREATE INDEX attempts_recipient ON attempts (recipient_id);
CREATE INDEX recipients_address ON recipients (address);

CREATE TABLE events (
    id           VARCHAR(64)  PRIMARY KEY,
    created_at   BIGINT       NOT NULL,
    type         VARCHAR(32)  NOT NULL,
    message_id   VARCHAR(64)  NOT NULL,
    recipient_id VARCHAR(64),
    payload      TEXT         NOT NULL,
    published_at BIGINT
);
CREATE INDEX events_unpublished ON events (published_at, created_at);

CREATE TABLE suppressions (
    address      VARCHAR(512) NOT NULL,
    stream       VARCHAR(64)  NOT NULL,
    reason       VARCHAR(32)  NOT NULL,
    rule_id      VARCHAR(128) NOT NULL,
    created_at   BIGINT       NOT NULL,
    expires_at   BIGINT,
    evidence_ref VARCHAR(64),
    PRIMARY KEY (address, stream)
);
