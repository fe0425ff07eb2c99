-- PostgreSQL version of db/migration/V90__queue_tally.sql (same version): V52's triggers and their functions are
-- dropped; store.QueueTally writes the same figures once per group transaction (queue_counts on one of the 8 shards
-- per state, chosen per transaction; queue_domains in domain order), and the INSERT sets recipients.queued_at.
DROP TRIGGER recipients_count_insert ON recipients;
DROP TRIGGER recipients_count_update ON recipients;
DROP TRIGGER recipients_due_insert ON recipients;
DROP TRIGGER recipients_due_free ON recipients;
DROP TRIGGER recipients_queued_at ON recipients;
DROP FUNCTION recipients_count();
DROP FUNCTION recipients_due_bound();
DROP FUNCTION recipients_queued_at();
-- version: compare-and-set of a claim's raise; full_at_claim: a freed lease lowers the bound only then (see the SQLite file)
ALTER TABLE queue_domains ADD COLUMN version BIGINT NOT NULL DEFAULT 0, ADD COLUMN full_at_claim INTEGER NOT NULL DEFAULT 0;
