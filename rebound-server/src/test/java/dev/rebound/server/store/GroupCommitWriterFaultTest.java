package dev.rebound.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The group-commit writer after SQLite errors (issue 9, finding 1): a unit whose future completes normally is
 * committed, whatever SQLite did to the transaction; the writer comes back by itself.
 */
@Tag("faults")
class GroupCommitWriterFaultTest {
    @TempDir Path dir;

    private SqliteStore open() {
        return SqliteStore.open("jdbc:sqlite:" + dir.resolve("rebound.db"), 1, Clock.systemUTC());
    }

    /** A unit that inserts one suppression row for {@code address} (a small row: fits in a page with room). */
    private static GroupCommitWriter.Work<Object> small(String address) {
        return c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO suppressions (address, stream, reason, rule_id, created_at) VALUES (?, 's', 'r', 'rule', 1)")) {
                ps.setString(1, address);
                ps.executeUpdate();
            }
            return address;
        };
    }

    /** A unit that needs many new pages: fails with SQLITE_FULL under a page limit. */
    private static GroupCommitWriter.Work<Object> large() {
        return c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO store_probe (id, written_at, filler) VALUES (7, 1, zeroblob(1048576))")) {
                ps.executeUpdate();
            }
            return "large";
        };
    }

    private Set<String> committedAddresses() throws SQLException {
        Set<String> out = new HashSet<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("rebound.db"));
             ResultSet rs = c.createStatement().executeQuery("SELECT address FROM suppressions")) {
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }

    @Test
    void aGroupWhoseTransactionSQLiteDroppedAcknowledgesNothing() throws Exception {
        List<String> acknowledged = new ArrayList<>();
        List<Throwable> refused = new ArrayList<>();
        try (SqliteStore store = open(); ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            StoreFaults.limitPages(store, 0);
            CountDownLatch inWriter = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Future<?> blocker = pool.submit(() -> store.writer().write(c -> {
                inWriter.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return null;
            }));
            inWriter.await();
            // one group: small units around a unit that makes SQLite fail with SQLITE_FULL
            List<Future<Object>> fs = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                int n = i;
                fs.add(pool.submit(() -> store.writer().write(small("before" + n + "@x"))));
            }
            while (store.writer().queued() < 5) Thread.onSpinWait();
            fs.add(pool.submit(() -> store.writer().write(large())));
            while (store.writer().queued() < 6) Thread.onSpinWait();
            for (int i = 0; i < 5; i++) {
                int n = i;
                fs.add(pool.submit(() -> store.writer().write(small("after" + n + "@x"))));
            }
            while (store.writer().queued() < 11) Thread.onSpinWait();
            release.countDown();
            blocker.get();
            for (Future<Object> f : fs) {
                try {
                    Object r = f.get();
                    if (r instanceof String s && s.contains("@")) acknowledged.add(s);
                } catch (ExecutionException e) {
                    refused.add(e.getCause());
                }
            }
            // SQLite rolled the whole transaction back for SQLITE_FULL (the large insert has no statement journal):
            // the units before it were lost with it, and none after it may run outside a transaction.
            assertThat(acknowledged).isEmpty();
            assertThat(refused).hasSize(11).allSatisfy(t -> assertThat(t).isInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining("SQLITE_FULL").hasMessageContaining("nothing of it was committed"));
            assertThat(committedAddresses()).as("nothing committed behind the callers' backs").isEmpty();
            StoreHealth h = store.health();
            assertThat(h.writable()).isFalse();
            assertThat(h.problem()).get().asString().contains("SQLITE_FULL");
            assertThat(h.failedGroups()).isPositive();

            // While still full: a small write that fits may commit (and is then acknowledged); the probe does not.
            assertThat(store.writer().write(small("small-while-full@x"))).isEqualTo("small-while-full@x");
            assertThat(store.health().writable()).as("only the probe, which must grow the file, clears the fault").isFalse();

            StoreFaults.unlimitPages(store);
            await().atMost(Duration.ofSeconds(30)).until(() -> store.health().writable());
            assertThat(store.writer().write(large())).isEqualTo("large");
            assertThat(store.writer().write(small("later@x"))).isEqualTo("later@x");
        }
        assertThat(committedAddresses()).containsExactlyInAnyOrder("small-while-full@x", "later@x");
    }

    @Test
    void aBrokenWriteConnectionIsReplaced() throws Exception {
        try (SqliteStore store = open()) {
            assertThatThrownBy(() -> store.writer().write(c -> {
                c.close(); // the connection dies under the unit (as after an I/O error)
                return null;
            })).isInstanceOf(StoreUnavailableException.class);
            assertThat(store.health().failedGroups()).isPositive();
            // the next group runs on a new connection (with its own statement cache)
            assertThat(store.writer().write(small("after-reopen@x"))).isEqualTo("after-reopen@x");
            await().atMost(Duration.ofSeconds(30)).until(() -> store.health().writable());
            var r = (AcceptResult.Created) store.accept(new NewMessage("transactional", "a@example.org", List.of("b@example.org"),
                    "Subject: x\r\n\r\nx\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII), "<x@y>", "smtp", java.util.Optional.empty(), ""));
            assertThat(store.message(r.receipt().messageId())).isPresent();
        }
        assertThat(committedAddresses()).containsExactly("after-reopen@x");
    }

    @Test
    void aConstraintViolationFailsItsUnitAloneAndIsNoStoreFault() throws Exception {
        try (SqliteStore store = open()) {
            store.writer().write(small("dup@x"));
            assertThatThrownBy(() -> store.writer().write(small("dup@x"))).isInstanceOf(StoreException.class)
                    .isNotInstanceOf(StoreUnavailableException.class).hasMessageContaining("UNIQUE");
            assertThat(store.health().writable()).isTrue();
            assertThat(store.health().failedGroups()).isZero();
        }
    }
}
