-- Replay (POST /v1/replay, rebound replay) finds the addresses with evidence in a time range: attempts by start,
-- evidence by receipt. Portable SQL (SQLite and PostgreSQL).
CREATE INDEX attempts_started_at ON attempts (started_at);
CREATE INDEX evidence_received_at ON evidence (received_at);
