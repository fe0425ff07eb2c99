-- PostgreSQL version of db/migration/V50__fenced_leases.sql (same version; the Flyway location of jdbc:postgresql: stores).
-- Fenced leases (issue 15): every claim increments the row's lease version; a result is written only while the row
-- still carries the writer's owner and version, so a node paused past its lease cannot overwrite the result of the
-- node that took the work over. Portable SQL (SQLite and PostgreSQL).

ALTER TABLE recipients ADD COLUMN lease_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE webhook_deliveries ADD COLUMN lease_version BIGINT NOT NULL DEFAULT 0;
