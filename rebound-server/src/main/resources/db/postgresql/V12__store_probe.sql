-- PostgreSQL version of db/migration/V12__store_probe.sql (same version; the Flyway location of jdbc:postgresql: stores).
-- The store writer's probe (GroupCommitWriter, SqliteStore.probe; PostgresStore.probe writes and deletes one row the
-- same way, without the file growth): while the store cannot commit, a transaction
-- every few seconds inserts one row whose zero-filled blob needs the file to grow, and deletes it again before
-- committing. Its commit proves the store can take writes again. The table is empty after every commit.
CREATE TABLE store_probe (
    id         INTEGER   PRIMARY KEY,
    written_at BIGINT    NOT NULL,
    filler     BYTEA     NOT NULL
);
