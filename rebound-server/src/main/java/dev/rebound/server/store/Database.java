package dev.rebound.server.store;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.HexFormat;

/**
 * What the table groups ({@link MessageTables}, {@link SuppressionTables}, {@link EvidenceTables},
 * {@link TokenTables}, {@link WebhookStore}, {@link Outbox}) run on: writes through one committer that acknowledges
 * only after the commit, reads on a read connection, the clock, the {@link Dialect} and the one row-id generator.
 * {@link SqliteStore} is the SQLite database (WAL, {@code synchronous=FULL}, the {@link GroupCommitWriter},
 * {@link StatementCache}); {@link PostgresStore} the PostgreSQL one (HikariCP, {@code synchronous_commit = on}, the
 * same writer). The table groups' SQL is the common subset both accept ({@code ON CONFLICT}, {@code COALESCE},
 * epoch-millisecond {@code BIGINT} times) but for what {@link Dialect} isolates; the same {@code StoreContract}
 * tests run on both.
 */
interface Database {
    @FunctionalInterface
    interface Tx<T> {
        T run(Connection c) throws SQLException;
    }

    /** Runs {@code tx} in a write transaction and returns after its commit (it may share the commit with others). */
    <T> T write(Tx<T> tx);

    /**
     * The queue figures of the write unit now running ({@link QueueTally}): a unit that inserts a recipient, changes
     * its state, makes it due or frees its lease tells it here; the group writes the sums before its commit. Only
     * inside {@link #write}.
     */
    QueueTally tally();

    /** Runs {@code tx} on a read connection (committed data only). */
    <T> T read(Tx<T> tx);

    Clock clock();

    /** Where the SQL of the two databases differs. */
    Dialect dialect();

    /**
     * The one row-id generator: 32 hex digits, 48 bits of wall-clock milliseconds, then 80 random bits
     * (SecureRandom, drawn 4 KB at a time into one buffer shared by all threads). Time-ordered, so new rows go to
     * the right edge of the primary-key and foreign-key indexes instead of a random page each (fewer pages written
     * per commit); the 80 random bits keep ids unguessable. Within one process ids only grow: in the same millisecond the next id
     * adds a random step to the last one's random bits (as a monotonic ULID does). The clock here only
     * orders ids; no decision reads it.
     *
     * <p>The buffer is shared, not per thread: ids are made on short-lived virtual threads (an SMTP session, a
     * delivery, a webhook attempt), and a per-thread buffer drew 4 KB from the SecureRandom for each of them to use
     * 10 bytes (a quarter of the service's CPU samples outside the writer in the relay benchmark). The lock is held
     * for a copy of 10 bytes, and for a refill once every 400 ids ({@code synchronized} does not pin a virtual
     * thread since JDK 24, JEP 491).
     */
    static String newId() {
        long millis = System.currentTimeMillis();
        long high;
        long low;
        synchronized (Ids.BYTES) {
            ByteBuffer b = Ids.BYTES;
            if (b.remaining() < 10) {
                Ids.RANDOM.nextBytes(b.array());
                b.clear();
            }
            if (millis > Ids.lastMillis) {
                high = b.getShort() & 0xffff;
                low = b.getLong();
            } else {
                // the same millisecond (or the wall clock stepped back): stay after the last id, as a monotonic ULID
                // does, by a random step of 1 to 2^32 in the 80 random bits, so rows written in one millisecond keep
                // the order they were written in (an audit trail sorted by (at, id) must not swap two entries)
                millis = Ids.lastMillis;
                long step = (b.getInt() & 0xffffffffL) + 1;
                b.getShort();
                high = Ids.lastHigh;
                low = Ids.lastLow + step;
                if (Long.compareUnsigned(low, Ids.lastLow) < 0 && ++high > 0xffff) {
                    millis++;
                    high = 0;
                }
            }
            Ids.lastMillis = millis;
            Ids.lastHigh = high;
            Ids.lastLow = low;
        }
        return Ids.HEX.toHexDigits((millis << 16) | high) + Ids.HEX.toHexDigits(low);
    }

    final class Ids {
        private static final SecureRandom RANDOM = new SecureRandom();
        /** Random bytes not used yet (guarded by itself). */
        private static final ByteBuffer BYTES = ByteBuffer.allocate(4000).position(4000);
        private static final HexFormat HEX = HexFormat.of();
        /** The last id made, in its three parts (guarded by {@link #BYTES}). */
        private static long lastMillis = Long.MIN_VALUE;
        private static long lastHigh;
        private static long lastLow;

        private Ids() {}
    }
}
