-- PostgreSQL version of db/migration/V51__nodes.sql (same version; the Flyway location of jdbc:postgresql: stores).
-- The node registry (issue 15): every process on the store writes a heartbeat row; a node is dead after
-- dead_after_ms without one. instance is random per process start (two processes with one node id are visible).
-- Portable SQL (SQLite and PostgreSQL); times are epoch milliseconds.

CREATE TABLE nodes (
    id            VARCHAR(128) PRIMARY KEY,
    host          VARCHAR(255) NOT NULL,
    version       VARCHAR(64)  NOT NULL,
    pid           BIGINT       NOT NULL,
    instance      VARCHAR(64)  NOT NULL,
    started_at    BIGINT       NOT NULL,
    last_seen_at  BIGINT       NOT NULL,
    heartbeat_ms  BIGINT       NOT NULL,
    dead_after_ms BIGINT       NOT NULL,
    stopped_at    BIGINT
);

-- leases held per node (GET /v1/nodes) and the live leases of a domain (the shared per-domain limit) without a scan
CREATE INDEX recipients_leased ON recipients (lease_owner) WHERE lease_owner IS NOT NULL;
CREATE INDEX recipients_domain_leased ON recipients (domain, lease_expires_at) WHERE lease_owner IS NOT NULL;
