-- PostgreSQL version of db/migration/V99__webhook_view_pages.sql (same version, same SQL).
-- Keyset pages of the webhook views (GET /v1/webhooks/{id}/deliveries and /log): every page is an index range read
-- from a position, never a sort of the endpoint's history.
-- - The deliveries view merges the delivery rows with the events the stream delivered at its first attempt (no row:
--   their 2xx log row stands for the delivery), both in event id order (ids are time-ordered). The delivery rows are
--   read through their primary key (endpoint_id, event_id), or with a state filter through (endpoint_id, state,
--   event_id); the log through (endpoint_id, event_id, attempted_at, id), which replaces webhook_log_event (event_id):
--   every query of the log by event names the endpoint too (the stream's probe, one event's attempts, this view),
--   so the number of indexes a log row writes stays two.
-- - The log view pages newest first by (attempted_at, id): the id breaks ties between attempts of one millisecond.
-- Portable SQL (SQLite and PostgreSQL); the PostgreSQL file of the same version is the same.

DROP INDEX webhook_log_event;
CREATE INDEX webhook_log_endpoint_event ON webhook_log (endpoint_id, event_id, attempted_at, id);
DROP INDEX webhook_log_endpoint;
CREATE INDEX webhook_log_endpoint ON webhook_log (endpoint_id, attempted_at, id);
CREATE INDEX webhook_deliveries_endpoint_state ON webhook_deliveries (endpoint_id, state, event_id);
