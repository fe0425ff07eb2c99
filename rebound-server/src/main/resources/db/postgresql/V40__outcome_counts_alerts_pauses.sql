-- PostgreSQL version of db/migration/V40__outcome_counts_alerts_pauses.sql (same version; the Flyway location of jdbc:postgresql: stores).
-- Rates and alerts (issue 13). Portable SQL (SQLite and PostgreSQL); times are epoch milliseconds.

-- Outcomes per minute, recipient domain and stream, added to in the transaction that records the outcome (attempts,
-- asynchronous evidence), so rates over any window are sums of these rows and never a scan of attempts.
--   attempts   attempt results recorded (deferred or final)      deferred   attempts that ended DEFERRED
--   finals     recipients that reached a final outcome of sent mail (DELIVERED, BOUNCED_SOFT, BOUNCED_HARD,
--              BLOCKED_POLICY), each recipient once
--   delivered / hard / soft / blocked   those finals by outcome; a late bounce after DELIVERED adds to its
--              failure column (not to finals again)
--   complaints complaints received (a recipient once)
CREATE TABLE outcome_counts (
    minute     BIGINT       NOT NULL,
    domain     VARCHAR(255) NOT NULL,
    stream     VARCHAR(64)  NOT NULL,
    attempts   BIGINT       NOT NULL,
    deferred   BIGINT       NOT NULL,
    finals     BIGINT       NOT NULL,
    delivered  BIGINT       NOT NULL,
    hard       BIGINT       NOT NULL,
    soft       BIGINT       NOT NULL,
    blocked    BIGINT       NOT NULL,
    complaints BIGINT       NOT NULL,
    PRIMARY KEY (minute, domain, stream)
);
CREATE INDEX outcome_counts_domain ON outcome_counts (domain, minute);

-- Alerts on a scope's rate: at most one open alert per (scope_kind, scope, metric), enforced by the partial unique
-- index, so nodes evaluating the same counts open (and resolve) it once. figures/last_figures are JSON.
CREATE TABLE alerts (
    id           VARCHAR(64)  PRIMARY KEY,
    scope_kind   VARCHAR(16)  NOT NULL,
    scope        VARCHAR(255) NOT NULL,
    metric       VARCHAR(32)  NOT NULL,
    level        VARCHAR(16)  NOT NULL,
    rule_id      VARCHAR(128) NOT NULL,
    opened_at    BIGINT       NOT NULL,
    updated_at   BIGINT       NOT NULL,
    resolved_at  BIGINT,
    resolve_rule VARCHAR(128),
    figures      TEXT         NOT NULL,
    last_figures TEXT         NOT NULL
);
CREATE UNIQUE INDEX alerts_open_scope ON alerts (scope_kind, scope, metric) WHERE resolved_at IS NULL;
CREATE INDEX alerts_opened ON alerts (opened_at);

-- Paused scopes (a recipient domain or a stream): their recipients stay queued and are not claimed until resumed.
CREATE TABLE pauses (
    scope_kind VARCHAR(16)  NOT NULL,
    scope      VARCHAR(255) NOT NULL,
    reason     TEXT         NOT NULL,
    alert_id   VARCHAR(64),
    actor      VARCHAR(128) NOT NULL,
    paused_at  BIGINT       NOT NULL,
    PRIMARY KEY (scope_kind, scope)
);
