-- PostgreSQL version of db/migration/V80__message_search.sql (the same portable SQL).
-- The message search (GET /v1/messages, the dashboard's Messages page) lists messages newest first. Its other filters
-- have their indexes already: the Message-ID header since V10, a recipient's address whatever its case since V30.
CREATE INDEX messages_created ON messages (created_at);
