-- PostgreSQL version of db/migration/V13__webhooks.sql. Rebound's own outbound webhooks (Standard Webhooks v1).
-- The events table (V1) is the outbox: its rows are written in the transaction of the outcome they describe. seq
-- orders them in commit order, so a cursor can read the outbox without missing a row: a row is inserted with a
-- negative placeholder from events_pending_seq and numbered from events_commit_seq just before its transaction commits,
-- under a transaction-level advisory lock (store.Dialect). Endpoints, one delivery row per (endpoint, event), and
-- a log row per HTTP attempt. Times are epoch milliseconds.

ALTER TABLE events ADD COLUMN seq BIGINT;
CREATE SEQUENCE events_commit_seq;
CREATE SEQUENCE events_pending_seq;
CREATE INDEX events_seq ON events (seq);
CREATE INDEX events_created ON events (created_at);

CREATE TABLE webhook_endpoints (
    id                VARCHAR(64)   PRIMARY KEY,
    source            VARCHAR(8)    NOT NULL,
    url               VARCHAR(2048) NOT NULL,
    secret            VARCHAR(255)  NOT NULL,
    old_secret        VARCHAR(255),
    old_secret_until  BIGINT,
    event_types       TEXT          NOT NULL,
    streams           TEXT          NOT NULL,
    final_only        INTEGER       NOT NULL,
    state             VARCHAR(16)   NOT NULL,
    state_reason      TEXT          NOT NULL,
    failing_since     BIGINT,
    description       TEXT          NOT NULL,
    created_at        BIGINT        NOT NULL,
    updated_at        BIGINT        NOT NULL
);

-- The fan-out's position in the outbox (one row, name 'fanout').
CREATE TABLE webhook_cursor (
    name     VARCHAR(32) PRIMARY KEY,
    last_seq BIGINT      NOT NULL
);

CREATE TABLE webhook_deliveries (
    endpoint_id      VARCHAR(64)  NOT NULL,
    event_id         VARCHAR(64)  NOT NULL,
    event_seq        BIGINT       NOT NULL,
    order_key        VARCHAR(512) NOT NULL,
    state            VARCHAR(16)  NOT NULL,
    attempts         INTEGER      NOT NULL,
    next_attempt_at  BIGINT,
    lease_owner      VARCHAR(128),
    lease_expires_at BIGINT,
    last_status      INTEGER,
    last_error       TEXT,
    created_at       BIGINT       NOT NULL,
    updated_at       BIGINT       NOT NULL,
    PRIMARY KEY (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (endpoint_id, order_key, state, event_seq);

CREATE TABLE webhook_log (
    id            VARCHAR(64)  PRIMARY KEY,
    endpoint_id   VARCHAR(64)  NOT NULL,
    event_id      VARCHAR(64)  NOT NULL,
    attempt       INTEGER      NOT NULL,
    attempted_at  BIGINT       NOT NULL,
    status_code   INTEGER      NOT NULL,
    latency_ms    BIGINT       NOT NULL,
    error         TEXT         NOT NULL,
    response      TEXT         NOT NULL
);
CREATE INDEX webhook_log_endpoint ON webhook_log (endpoint_id, attempted_at);
CREATE INDEX webhook_log_event ON webhook_log (event_id);
