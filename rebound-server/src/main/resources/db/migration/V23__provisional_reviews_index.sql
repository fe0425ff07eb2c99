-- The provisional reviews (rule suppress.provisional.hard, issue 12) the sweep reads every 30 s, oldest first: a partial
-- index holds only them, so the sweep does not scan a suppression list of a million entries and the list's other writes
-- (an import) do not maintain it. Portable SQL (SQLite and PostgreSQL). Versions V21-V29 belong to suppression management.
CREATE INDEX suppressions_provisional ON suppressions (created_at, address, stream)
    WHERE state = 'REVIEW' AND rule_id = 'suppress.provisional.hard';
