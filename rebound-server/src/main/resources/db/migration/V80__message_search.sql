-- The message search (GET /v1/messages, the dashboard's Messages page): newest first, and by a recipient's address
-- whatever its case (the Message-ID header has its index since V10). Portable: SQLite (3.9+) and PostgreSQL both
-- index the expression LOWER(address).
CREATE INDEX messages_created ON messages (created_at);
CREATE INDEX recipients_address_lower ON recipients (LOWER(address));
