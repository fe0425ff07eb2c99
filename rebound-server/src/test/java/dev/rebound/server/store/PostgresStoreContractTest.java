package dev.rebound.server.store;

import dev.rebound.server.testing.TestPostgres;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;

/**
 * The store contract on the real local PostgreSQL (HikariCP, {@code synchronous_commit = on}, the group-commit
 * writer, Flyway's {@code db/postgresql} migrations), each test in a fresh schema dropped afterwards. Reopening
 * opens a new pool on the same schema.
 */
class PostgresStoreContractTest extends StoreContract {
    private final TestPostgres pg = TestPostgres.freshSchema();

    @Override
    protected Store open(Path dir, Clock clock) {
        return PostgresStore.connect(pg.url(), pg.user(), pg.password(), 2, clock);
    }

    @AfterEach
    void dropSchema() {
        pg.close();
    }
}
