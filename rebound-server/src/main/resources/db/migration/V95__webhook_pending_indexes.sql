-- The webhook deliveries' due and order indexes hold PENDING rows only (partial indexes, SQLite 3.8+ and
-- PostgreSQL): a delivery that is delivered or failed leaves both (two index deletes) instead of moving inside
-- them (a delete and an insert each), and the indexes stay as small as the work in flight, so the fan-out's
-- inserts (the order index is keyed by recipient, so they land anywhere in it) touch a few hot pages instead of a
-- b-tree that grows with every event ever sent. Every query that uses them says state = 'PENDING' (the claim,
-- the order rule's NOT EXISTS, the pending gauge). Portable SQL.

DROP INDEX webhook_deliveries_due;
DROP INDEX webhook_deliveries_order;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'PENDING';
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (endpoint_id, order_key, event_seq) WHERE state = 'PENDING';
