-- The queue figures of V52 kept by the store writer instead of per-row triggers (issue 10: the triggers' two to four
-- statements per recipient write were most of the single writer's added CPU). store.QueueTally sums each group
-- transaction's changes and writes them once before its commit: queue_counts per state, queue_domains per domain.
-- recipients.queued_at is now set by the INSERT itself.
DROP TRIGGER recipients_count_insert;
DROP TRIGGER recipients_count_update;
DROP TRIGGER recipients_count_delete;
DROP TRIGGER recipients_due_insert;
DROP TRIGGER recipients_due_free;
DROP TRIGGER recipients_queued_at;

-- version: moved by every write of the row; a claim raises the bound only if the version is still the one it read
-- (compare-and-set), so a raise never overwrites a lower bound written meanwhile by another transaction.
-- full_at_claim: 1 when the last claim found the domain at its per-domain lease limit; a freed lease then lowers the
-- bound to now (a slot opened); without a limit a freed lease changes nothing a claim could take.
ALTER TABLE queue_domains ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE queue_domains ADD COLUMN full_at_claim INTEGER NOT NULL DEFAULT 0;
