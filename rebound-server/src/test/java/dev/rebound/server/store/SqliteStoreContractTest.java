package dev.rebound.server.store;

import java.nio.file.Path;
import java.time.Clock;

/** The store contract on a real SQLite file (WAL, synchronous=FULL, the group-commit writer). */
class SqliteStoreContractTest extends StoreContract {
    @Override
    protected Store open(Path dir, Clock clock) {
        return SqliteStore.open("jdbc:sqlite:" + dir.resolve("rebound.db"), 2, clock);
    }
}
