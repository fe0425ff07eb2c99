-- PostgreSQL version of db/migration/V10__evidence.sql (same version; the Flyway location of jdbc:postgresql: stores).
-- Asynchronous evidence (provider webhooks, DSN mail): one row per event and recipient, deduplicated by
-- dedup_key (a provider's retry of the same event, or the same DSN received twice, is stored once).
-- Portable SQL (SQLite and PostgreSQL); times are epoch milliseconds. Versions V10+ belong to the evidence package.

CREATE TABLE evidence (
    id                  VARCHAR(64)  PRIMARY KEY,
    dedup_key           VARCHAR(700) NOT NULL,
    source              VARCHAR(16)  NOT NULL,
    provider            VARCHAR(32)  NOT NULL,
    provider_event      VARCHAR(255) NOT NULL,
    provider_message_id VARCHAR(255) NOT NULL,
    header_message_id   VARCHAR(998) NOT NULL,
    message_id          VARCHAR(64),
    recipient_id        VARCHAR(64),
    matched_by          VARCHAR(32)  NOT NULL,
    address             VARCHAR(512) NOT NULL,
    stream              VARCHAR(64)  NOT NULL,
    recipient_domain    VARCHAR(255) NOT NULL,
    smtp_code           INTEGER      NOT NULL,
    enhanced_code       VARCHAR(16)  NOT NULL,
    raw_reason          TEXT         NOT NULL,
    outcome             VARCHAR(16),
    reason              VARCHAR(32),
    rule_id             VARCHAR(128) NOT NULL,
    decision            VARCHAR(16),
    decision_rule       VARCHAR(128),
    suppression_rule    VARCHAR(128),
    occurred_at         BIGINT,
    received_at         BIGINT       NOT NULL,
    payload             TEXT         NOT NULL
);
CREATE UNIQUE INDEX evidence_dedup ON evidence (dedup_key);
CREATE INDEX evidence_recipient ON evidence (recipient_id);
CREATE INDEX evidence_message ON evidence (message_id);
CREATE INDEX evidence_address ON evidence (address, stream);
CREATE INDEX evidence_event ON evidence (provider_event);
CREATE INDEX messages_header_message_id ON messages (header_message_id);
