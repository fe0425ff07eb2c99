package dev.rebound.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteStoreTest {
    @TempDir Path dir;
    final Clock clock = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    private SqliteStore open() {
        return SqliteStore.open("jdbc:sqlite:" + dir.resolve("rebound.db"), 2, clock);
    }

    private static NewMessage msg(String to, Optional<String> key, String hash) {
        return new NewMessage("transactional", "app@example.org", List.of(to),
                ("Subject: hi\r\n\r\nbody " + to + "\r\n").getBytes(StandardCharsets.UTF_8), "<x@y>", "http", key, hash);
    }

    @Test
    void accept_concurrent_allAcknowledgedPresentAfterReopen() throws Exception {
        ConcurrentLinkedQueue<String> acked = new ConcurrentLinkedQueue<>();
        try (SqliteStore store = open(); ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                int n = i;
                fs.add(pool.submit(() -> {
                    var r = (AcceptResult.Created) store.accept(msg("u" + n + "@example.com", Optional.empty(), ""));
                    acked.add(r.receipt().messageId());
                }));
            }
            for (Future<?> f : fs) f.get();
            assertThat(store.writeStats().writes()).isEqualTo(400);
        }
        try (SqliteStore reopened = open()) {
            for (String id : acked) {
                assertThat(reopened.message(id)).as("acknowledged message %s", id).isPresent();
                assertThat(reopened.content(id).orElseThrow().raw()).isNotEmpty();
            }
            assertThat(acked).hasSize(400);
            assertThat(reopened.queueStats().depth()).isEqualTo(400);
        }
    }

    /** SQLite's plan of a statement (EXPLAIN QUERY PLAN's details), every parameter bound to NULL. */
    private static List<String> plan(SqliteStore store, String sql) {
        return store.read(c -> {
            try (var ps = c.prepareStatement("EXPLAIN QUERY PLAN " + sql)) {
                for (int p = 1; p <= ps.getParameterMetaData().getParameterCount(); p++) ps.setNull(p, java.sql.Types.VARCHAR);
                List<String> out = new ArrayList<>();
                try (var rs = ps.executeQuery()) {
                    while (rs.next()) out.add(rs.getString("detail"));
                }
                return out;
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /**
     * The webhook views read a page as index ranges from its position (V99): no table of the history is scanned, no
     * group or sort over it; only the page's own rows are merged. (A sort SQLite shows for a materialized subquery, p
     * or g, sorts at most limit + 1 rows.)
     */
    @Test
    void webhookViews_pagesAreIndexRangeReads_neverAScanOrSortOfTheHistory() {
        try (SqliteStore store = open()) {
            for (Optional<WebhookStore.DeliveryState> state : List.of(Optional.<WebhookStore.DeliveryState>empty(),
                    Optional.of(WebhookStore.DeliveryState.PENDING), Optional.of(WebhookStore.DeliveryState.DELIVERED), Optional.of(WebhookStore.DeliveryState.FAILED)))
                for (WebhookStore.Order order : WebhookStore.Order.values())
                    for (boolean after : List.of(false, true)) {
                        List<String> plan = plan(store, WebhookStore.deliveriesSql(state, order, after));
                        String what = state + " " + order + (after ? " after a cursor" : " first page") + ": " + plan;
                        String past = after ? (order == WebhookStore.Order.DESC ? " AND event_id<?" : " AND event_id>?") : "";
                        assertThat(plan).as(what).noneMatch(l -> l.matches("SCAN (d|l|x|e|events|webhook_\\w+)\\b.*"))
                                .noneMatch(l -> l.contains("GROUP BY"))
                                .anyMatch(l -> l.startsWith("SEARCH d USING ") && l.endsWith("(endpoint_id=?" + (state.isPresent() ? " AND state=?" : "") + past + ")"));
                        if (state.isEmpty() || state.get() == WebhookStore.DeliveryState.DELIVERED)
                            assertThat(plan).as(what).anyMatch(l -> l.equals("SEARCH l USING INDEX webhook_log_endpoint_event (endpoint_id=?" + past + ")"));
                    }
            for (boolean event : List.of(false, true))
                for (boolean after : List.of(false, true))
                    assertThat(plan(store, WebhookStore.logSql(event, after))).as("log, event %s, cursor %s", event, after).singleElement().asString()
                            .startsWith("SEARCH webhook_log USING ")
                            .endsWith("INDEX " + (event ? "webhook_log_endpoint_event (endpoint_id=? AND event_id=?" : "webhook_log_endpoint (endpoint_id=?")
                                    + (after ? " AND (attempted_at,id)<(?,?))" : ")"));
        }
    }

    /**
     * The writer's savepoint sub-journals stay in memory ({@code temp_store = MEMORY}, 2): with the default (a file)
     * SQLite spills every transaction's sub-journal past 64 KiB to a new temporary file, which cost the relay a
     * quarter of its rate when a merge dropped the pragma. Readers get it too (their temporary b-trees).
     */
    @Test
    void connections_keepTemporaryStorageInMemory() {
        try (SqliteStore store = open()) {
            java.util.function.Function<java.sql.Connection, Integer> tempStore = c -> {
                try (var st = c.createStatement(); var rs = st.executeQuery("PRAGMA temp_store")) {
                    rs.next();
                    return rs.getInt(1);
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            };
            assertThat(store.writer().write(tempStore::apply)).as("the writer's connection").isEqualTo(2);
            assertThat(store.read(tempStore::apply)).as("a reader's connection").isEqualTo(2);
        }
    }

    @Test
    void writer_groupsWritesThatArriveDuringACommit() throws Exception {
        try (SqliteStore store = open(); ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
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
            long commitsBefore = store.writeStats().commits();
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                int n = i;
                fs.add(pool.submit(() -> store.accept(msg("g" + n + "@example.com", Optional.empty(), ""))));
            }
            while (store.writer().queued() < 20) Thread.onSpinWait();
            release.countDown();
            blocker.get();
            for (Future<?> f : fs) f.get();
            WriteStats stats = store.writeStats();
            // The 20 writes queued while the writer was busy go out in one group: 1 commit for them.
            assertThat(stats.commits() - commitsBefore).isEqualTo(2);
            assertThat(stats.largestBatch()).isEqualTo(20);
        }
    }

    @Test
    void writer_oneFailingWriteFailsAlone_andTheWriterSurvives() throws Exception {
        try (SqliteStore store = open()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.writer().write(c -> {
                try (var st = c.createStatement()) {
                    st.executeUpdate("INSERT INTO suppressions (address, stream, reason, rule_id, created_at) VALUES ('x@y', 's', 'r', 'rule', 1)");
                }
                throw new AssertionError("boom");
            })).isInstanceOf(AssertionError.class);
            // The failed unit was rolled back to its savepoint; the writer still commits later work.
            assertThat(store.suppression("x@y", "s")).isEmpty();
            var r = (AcceptResult.Created) store.accept(msg("after@example.com", Optional.empty(), ""));
            assertThat(store.message(r.receipt().messageId())).isPresent();
        }
    }

    @Test
    void accept_idempotencyKey_replaysSameRequestAndConflictsOnOther() {
        try (SqliteStore store = open()) {
            var first = (AcceptResult.Created) store.accept(msg("a@example.com", Optional.of("k1"), "h1"));
            var again = store.accept(msg("a@example.com", Optional.of("k1"), "h1"));
            assertThat(again).isEqualTo(new AcceptResult.Replayed(first.receipt()));
            assertThat(store.accept(msg("b@example.com", Optional.of("k1"), "h2")))
                    .isEqualTo(new AcceptResult.Conflict(first.receipt().messageId()));
        }
    }

    @Test
    void accept_suppressedAddress_isNotQueued() {
        try (SqliteStore store = open()) {
            store.suppress(new Suppression("Gone@Example.com", "transactional", "userunknown", "policy.hard", clock.instant(), Optional.empty(), ""));
            var r = (AcceptResult.Created) store.accept(msg("gone@example.com", Optional.empty(), ""));
            assertThat(r.receipt().recipients().getFirst().state()).isEqualTo(RecipientState.SUPPRESSED);
            var view = store.message(r.receipt().messageId()).orElseThrow();
            assertThat(view.recipients().getFirst().lastReason()).isEqualTo("userunknown");
            assertThat(store.claimDue("n1", 10, Duration.ofMinutes(5))).isEmpty();
        }
    }

    @Test
    void claimDue_leasesOnceUntilReleased() {
        try (SqliteStore store = open()) {
            store.accept(msg("a@example.com", Optional.empty(), ""));
            assertThat(store.claimDue("n1", 10, Duration.ofMinutes(5))).hasSize(1);
            assertThat(store.claimDue("n2", 10, Duration.ofMinutes(5))).isEmpty();
            assertThat(store.releaseLeases("n1")).isEqualTo(1);
            assertThat(store.claimDue("n2", 10, Duration.ofMinutes(5))).hasSize(1);
        }
    }

    @Test
    void webhookTokens_firstUseOnce_evenAfterReopen_andExpiredRowsArePurged() {
        dev.rebound.server.testing.MutableClock t = new dev.rebound.server.testing.MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        String url = "jdbc:sqlite:" + dir.resolve("tokens.db");
        Instant keep = t.instant().plusSeconds(600);
        try (SqliteStore store = SqliteStore.open(url, 1, t)) {
            assertThat(store.firstTokenUse("mailgun", "tok-1", keep)).isTrue();
            assertThat(store.firstTokenUse("mailgun", "tok-1", keep)).isFalse();
            assertThat(store.firstTokenUse("sendgrid", "tok-1", keep)).as("per provider").isTrue();
        }
        try (SqliteStore store = SqliteStore.open(url, 1, t)) {
            assertThat(store.firstTokenUse("mailgun", "tok-1", keep)).as("after reopening the file").isFalse();
            t.advance(java.time.Duration.ofSeconds(601)); // past keepUntil: the row may go (the verifier refuses the timestamp now)
            assertThat(store.firstTokenUse("mailgun", "tok-2", t.instant().plusSeconds(600))).isTrue();
            assertThat(store.firstTokenUse("mailgun", "tok-1", t.instant().plusSeconds(600))).as("expired row purged").isTrue();
        }
    }
}
