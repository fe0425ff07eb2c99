-- PostgreSQL version of db/migration/V30__timeline_address_index.sql (same version).
-- The timeline (GET /v1/recipients/{address}/timeline) and replay find an address's recipients case-insensitively
-- (recipients keep the address as submitted): an index on the lower-cased address serves LOWER(address) = ?.
-- Portable SQL (SQLite and PostgreSQL both index expressions). V30-V39 belong to the timeline/replay package.
CREATE INDEX recipients_address_lower ON recipients (LOWER(address));
