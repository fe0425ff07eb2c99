-- PostgreSQL version of db/migration/V12_1__api_keys.sql (same version; the Flyway location of jdbc:postgresql: stores).
-- API keys with scopes (dev.rebound.server.access, `rebound keys create|list|revoke`). The secret itself is never
-- stored: only the SHA-256 of its random part (256 bits, so a fast hash suffices; compared in constant time).
-- Rows are kept after revocation (revoked_at) so that once any key was created, the API keeps requiring keys.
CREATE TABLE api_keys (
    id              VARCHAR(32)      PRIMARY KEY,
    name            VARCHAR(128)     NOT NULL,
    secret_sha256   VARCHAR(64)      NOT NULL,
    scopes          VARCHAR(128)     NOT NULL,
    rate_per_second DOUBLE PRECISION NOT NULL,
    burst           INTEGER          NOT NULL,
    created_at      BIGINT           NOT NULL,
    revoked_at      BIGINT
);
