-- PostgreSQL version of db/migration/V20__attempt_tls.sql (same version; the Flyway location of jdbc:postgresql: stores).
-- The outbound TLS decision of each delivery attempt (dev.rebound.core.tls.TlsDecision): the rule that decided,
-- its verdict, the configured mode, the MTA-STS policy id ('' when none), what TLS did on the connection and the
-- detail. '' everywhere for attempts where no MX host was considered (DNS failures, locally refused addresses) and
-- for attempts recorded before this migration. V20: outside the numbers other packages use (V10+ evidence).
ALTER TABLE attempts ADD COLUMN tls_rule VARCHAR(64) NOT NULL DEFAULT '';
ALTER TABLE attempts ADD COLUMN tls_verdict VARCHAR(32) NOT NULL DEFAULT '';
ALTER TABLE attempts ADD COLUMN tls_mode VARCHAR(16) NOT NULL DEFAULT '';
ALTER TABLE attempts ADD COLUMN tls_policy_id VARCHAR(32) NOT NULL DEFAULT '';
ALTER TABLE attempts ADD COLUMN tls TEXT NOT NULL DEFAULT '';
ALTER TABLE attempts ADD COLUMN tls_detail TEXT NOT NULL DEFAULT '';
