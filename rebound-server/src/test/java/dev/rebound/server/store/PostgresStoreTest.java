package dev.rebound.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rebound.server.testing.MutableClock;
import dev.rebound.server.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What only the PostgreSQL store has to show: several nodes (here: two stores on one schema, as two processes would
 * be) claiming at once, the outbox numbered in commit order across them, a group that fails at {@code COMMIT}
 * failing every caller of it, and {@code synchronous_commit} on whatever the server or URL says.
 */
class PostgresStoreTest {
    private final TestPostgres pg = TestPostgres.freshSchema();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-05-01T12:00:00Z"));

    @AfterEach
    void dropSchema() {
        pg.close();
    }

    private PostgresStore open() {
        return PostgresStore.connect(pg.url(), pg.user(), pg.password(), 2, clock);
    }

    private static NewMessage msg(String... to) {
        return new NewMessage("transactional", "app@sender.test", List.of(to), "Subject: t\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII),
                "<m@sender.test>", "http", Optional.empty(), "");
    }

    /** A unit for {@link GroupCommitWriter#write} that signals it runs and waits until released. */
    private static GroupCommitWriter.Work<Object> hold(CountDownLatch running, CountDownLatch release) {
        return c -> {
            running.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return null;
        };
    }

    @Test
    void claims_twoNodesAtOnce_neverLeaseTheSameRecipient() throws Exception {
        try (PostgresStore a = open(); PostgresStore b = open(); ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
             Connection admin = pg.connect()) {
            List<String> addresses = new ArrayList<>();
            for (int i = 0; i < 30; i++) addresses.add("r" + i + "@one.test");
            a.accept(msg(addresses.toArray(String[]::new)));
            int pidB = b.write(PostgresStoreTest::backendPid);

            // Node a: its claim of 20 runs in a group that stays open (row locks held, nothing committed) ...
            CountDownLatch firstRunning = new CountDownLatch(1), releaseFirst = new CountDownLatch(1);
            CountDownLatch claimHeld = new CountDownLatch(1), releaseClaim = new CountDownLatch(1);
            Future<?> first = pool.submit(() -> a.writer().write(hold(firstRunning, releaseFirst)));
            firstRunning.await();
            Future<List<Claim>> claimA = pool.submit(() -> a.claimDue("node-a", 20, Duration.ofMinutes(5)));
            while (a.writer().queued() < 1) Thread.onSpinWait();
            Future<?> holder = pool.submit(() -> a.writer().write(hold(claimHeld, releaseClaim)));
            while (a.writer().queued() < 2) Thread.onSpinWait();
            releaseFirst.countDown();
            claimHeld.await(); // a's claim ran in this group; the group has not committed

            // ... meanwhile node b claims: it skips a's locked rows (FOR UPDATE SKIP LOCKED), or waits on a lock a
            // holds; either way it must not take a row a is claiming. A plain SELECT would see a's rows still free.
            Future<List<Claim>> claimB = pool.submit(() -> b.claimDue("node-b", 20, Duration.ofMinutes(5)));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> claimB.isDone() || waitsForALock(admin, pidB));
            releaseClaim.countDown();
            first.get();
            holder.get();
            List<Claim> fromA = claimA.get();
            List<Claim> fromB = new ArrayList<>(claimB.get());
            fromB.addAll(b.claimDue("node-b", 20, Duration.ofMinutes(5)));

            assertThat(fromA).hasSize(20);
            assertThat(fromB).as("the 10 rows a was not claiming").hasSize(10);
            Set<String> ids = new HashSet<>();
            for (Claim c : fromA) ids.add(c.recipientId());
            for (Claim c : fromB) assertThat(ids.add(c.recipientId())).as("leased twice: %s", c.address()).isTrue();
            assertThat(ids).hasSize(30);
            assertThat(a.claimDue("node-a", 50, Duration.ofMinutes(5))).as("every lease committed").isEmpty();
            assertThat(b.queueStats().leased()).isEqualTo(30);
        }
    }

    /**
     * Issue 15: two nodes claiming one busy domain both get work. Without a per-domain limit no domain is locked, so
     * node b's claim is answered while node a's claim of the same domain is still uncommitted (it used to skip the
     * domain whose row a held, and got nothing); with a limit, b waits for a's commit (a lock waited for, not
     * skipped), then counts a's leases and takes the rest of the limit, never more.
     */
    @Test
    void claims_twoNodesOnOneBusyDomain_bothGetWork_withoutAndWithAPerDomainLimit() throws Exception {
        try (PostgresStore a = open(); PostgresStore b = open(); ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
             Connection admin = pg.connect()) {
            List<String> addresses = new ArrayList<>();
            for (int i = 0; i < 20; i++) addresses.add("r" + i + "@busy.test");
            a.accept(msg(addresses.toArray(String[]::new)));
            int pidB = b.write(PostgresStoreTest::backendPid);
            Set<String> leased = new HashSet<>();

            // no limit: a's claim of 5 stays uncommitted while b claims 5 of the same domain
            CountDownLatch firstRunning = new CountDownLatch(1), releaseFirst = new CountDownLatch(1);
            CountDownLatch claimHeld = new CountDownLatch(1), releaseClaim = new CountDownLatch(1);
            Future<?> first = pool.submit(() -> a.writer().write(hold(firstRunning, releaseFirst)));
            firstRunning.await();
            Future<List<Claim>> claimA = pool.submit(() -> a.claimDue("node-a", 5, Duration.ofMinutes(5)));
            while (a.writer().queued() < 1) Thread.onSpinWait();
            Future<?> holder = pool.submit(() -> a.writer().write(hold(claimHeld, releaseClaim)));
            while (a.writer().queued() < 2) Thread.onSpinWait();
            releaseFirst.countDown();
            claimHeld.await(); // a's claim ran in this group; the group has not committed
            List<Claim> fromB = pool.submit(() -> b.claimDue("node-b", 5, Duration.ofMinutes(5))).get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(fromB).as("b's claim while a holds its claim of the same domain open").hasSize(5);
            releaseClaim.countDown();
            first.get();
            holder.get();
            assertThat(claimA.get()).hasSize(5);
            for (Claim c : claimA.get()) assertThat(leased.add(c.recipientId())).isTrue();
            for (Claim c : fromB) assertThat(leased.add(c.recipientId())).as("leased twice: %s", c.address()).isTrue();

            // a limit of 16 leased recipients of the domain (10 are leased): a takes 3 and holds its group open; b waits
            CountDownLatch firstRunning2 = new CountDownLatch(1), releaseFirst2 = new CountDownLatch(1);
            CountDownLatch claimHeld2 = new CountDownLatch(1), releaseClaim2 = new CountDownLatch(1);
            Future<?> first2 = pool.submit(() -> a.writer().write(hold(firstRunning2, releaseFirst2)));
            firstRunning2.await();
            Future<List<Claim>> claimA2 = pool.submit(() -> a.claimDue("node-a", 3, Duration.ofMinutes(5), 16));
            while (a.writer().queued() < 1) Thread.onSpinWait();
            Future<?> holder2 = pool.submit(() -> a.writer().write(hold(claimHeld2, releaseClaim2)));
            while (a.writer().queued() < 2) Thread.onSpinWait();
            releaseFirst2.countDown();
            claimHeld2.await();
            Future<List<Claim>> claimB2 = pool.submit(() -> b.claimDue("node-b", 5, Duration.ofMinutes(5), 16));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> waitsForALock(admin, pidB));
            assertThat(claimB2).as("b waits for a's claim of the domain to commit").isNotDone();
            releaseClaim2.countDown();
            first2.get();
            holder2.get();
            assertThat(claimA2.get()).hasSize(3);
            assertThat(claimB2.get(60, java.util.concurrent.TimeUnit.SECONDS)).as("b counted a's 3 and took the limit's rest").hasSize(3);
            for (Claim c : claimA2.get()) assertThat(leased.add(c.recipientId())).isTrue();
            for (Claim c : claimB2.get()) assertThat(leased.add(c.recipientId())).as("leased twice: %s", c.address()).isTrue();
            assertThat(b.claimDue("node-b", 5, Duration.ofMinutes(5), 16)).as("the limit is reached").isEmpty();
            assertThat(a.queueStats().leased()).isEqualTo(16);
        }
    }

    @Test
    void provisionalSweep_twoNodesAtOnce_decideEachReviewOnce() throws Exception {
        var decider = new dev.rebound.server.decide.Suppressions(dev.rebound.core.policy.SuppressionConfig.defaults());
        try (PostgresStore a = open(); PostgresStore b = open(); ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
             Connection admin = pg.connect()) {
            // three provisional reviews at a quiet domain (each address's hard bounce, recorded through a)
            List<String> gone = List.of("g1@quiet.test", "g2@quiet.test", "g3@quiet.test");
            a.accept(msg(gone.toArray(String[]::new)));
            List<AttemptRecord> bounces = new ArrayList<>();
            for (Claim c : a.claimDue("node-a", 10, Duration.ofMinutes(5))) {
                var reply = dev.rebound.core.smtp.SmtpReply.of(550, "5.1.1 no such user");
                var cl = new dev.rebound.core.classify.Classification(dev.rebound.core.classify.Outcome.BOUNCED_HARD,
                        dev.rebound.core.classify.Reason.USERUNKNOWN, "test.rule", new dev.rebound.core.classify.Evidence(550, "5.1.1",
                        reply.text(), dev.rebound.core.classify.SmtpPhase.RCPT, c.domain(), ""));
                bounces.add(new AttemptRecord(c.recipientId(), c.messageId(), "transactional", c.address(), 1, clock.instant(),
                        Duration.ofMillis(40), c.domain(), "mx." + c.domain(), "192.0.2.1", dev.rebound.core.classify.SmtpPhase.RCPT, reply,
                        false, cl, new dev.rebound.core.policy.GiveUp(dev.rebound.core.classify.Outcome.BOUNCED_HARD,
                        dev.rebound.core.classify.Reason.USERUNKNOWN, "retry.no-repeat-5xx"), clock.instant(), Optional.empty(), c.lease()));
            }
            a.recordAttempts(bounces, decider);
            assertThat(a.suppressions(Optional.empty(), Optional.empty(), Optional.of(SuppressionState.REVIEW), 10)).hasSize(3);
            clock.advance(Duration.ofMinutes(20));
            int pidB = b.write(PostgresStoreTest::backendPid);

            // a's sweep writes in a group that stays open (rows updated, nothing committed) ...
            CountDownLatch firstRunning = new CountDownLatch(1), releaseFirst = new CountDownLatch(1);
            CountDownLatch held = new CountDownLatch(1), release = new CountDownLatch(1);
            Future<?> first = pool.submit(() -> a.writer().write(hold(firstRunning, releaseFirst)));
            firstRunning.await();
            Future<Promotions> sweepA = pool.submit(() -> a.sweepProvisional(decider, clock.instant()));
            while (a.writer().queued() < 1) Thread.onSpinWait();
            Future<?> holder = pool.submit(() -> a.writer().write(hold(held, release)));
            while (a.writer().queued() < 2) Thread.onSpinWait();
            releaseFirst.countDown();
            held.await();

            // ... while b's sweep reads the same reviews as still provisional and tries to decide them too
            Future<Promotions> sweepB = pool.submit(() -> b.sweepProvisional(decider, clock.instant()));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> sweepB.isDone() || waitsForALock(admin, pidB));
            release.countDown();
            first.get();
            holder.get();
            Promotions fromA = sweepA.get(), fromB = sweepB.get();
            assertThat(fromA.suppressed() + fromB.suppressed()).as("each review decided once: a %s, b %s", fromA, fromB).isEqualTo(3);
            for (String g : gone) {
                assertThat(a.suppressionAudit(g, "transactional")).extracting(SuppressionAudit::action).containsExactly("created", "updated");
                assertThat(a.suppression(g, "transactional")).hasValueSatisfying(x -> assertThat(x.ruleId()).isEqualTo("suppress.hard.userunknown"));
            }
        }
    }

    private static int backendPid(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void outbox_isNumberedInCommitOrder_acrossNodes_soACursorNeverSkipsARow() throws Exception {
        try (PostgresStore a = open(); PostgresStore b = open(); ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
             Connection reader = pg.connect()) {
            // Outbox rows from removing suppression entries (they touch no row the other node writes).
            for (String address : List.of("early@one.test", "late@two.test"))
                a.suppress(new Suppression(address, "transactional", "userunknown", "test", clock.instant(), Optional.empty(), ""));
            // a's removal (an outbox row) is written first but its group stays open ...
            CountDownLatch firstRunning = new CountDownLatch(1), releaseFirst = new CountDownLatch(1);
            CountDownLatch held = new CountDownLatch(1), release = new CountDownLatch(1);
            Future<?> first = pool.submit(() -> a.writer().write(hold(firstRunning, releaseFirst)));
            firstRunning.await();
            Future<SuppressionChange> early = pool.submit(() -> a.removeSuppression("early@one.test", "transactional", "ops", "early",
                    false, Duration.ZERO));
            while (a.writer().queued() < 1) Thread.onSpinWait();
            Future<?> holder = pool.submit(() -> a.writer().write(hold(held, release)));
            while (a.writer().queued() < 2) Thread.onSpinWait();
            releaseFirst.countDown();
            held.await();

            // ... while b's removal commits: a cursor reading now sees b's row and moves past it.
            assertThat(b.removeSuppression("late@two.test", "transactional", "ops", "late", false, Duration.ZERO))
                    .isInstanceOf(SuppressionChange.Done.class);
            long cursor = maxSeq(reader);
            assertThat(seqOf(reader, "late@two.test")).isEqualTo(cursor);

            release.countDown();
            first.get();
            holder.get();
            assertThat(early.get()).isInstanceOf(SuppressionChange.Done.class);
            assertThat(seqOf(reader, "early@one.test")).as("numbered at its commit, after the cursor").isGreaterThan(cursor);
            try (Statement s = reader.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*), COUNT(DISTINCT seq), MIN(seq) FROM events")) {
                rs.next();
                assertThat(rs.getLong(2)).as("one seq per row").isEqualTo(rs.getLong(1));
                assertThat(rs.getLong(3)).as("no placeholder left").isPositive();
            }
        }
    }

    private static long maxSeq(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT MAX(seq) FROM events")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long seqOf(Connection c, String address) throws SQLException {
        try (var ps = c.prepareStatement("SELECT seq FROM events WHERE type = 'suppression.removed' AND payload LIKE ?")) {
            ps.setString(1, "%\"address\":\"" + address + "\"%");
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("outbox row of %s", address).isTrue();
                return rs.getLong(1);
            }
        }
    }

    @Test
    void aGroupWhoseCommitFails_failsEveryCallerOfIt_andNothingOfItIsStored() throws Exception {
        try (PostgresStore store = open(); ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            // A constraint checked only at COMMIT: the group's units all succeed, its COMMIT does not.
            try (Connection c = pg.connect(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE commit_check (k INTEGER UNIQUE DEFERRABLE INITIALLY DEFERRED)");
            }
            CountDownLatch running = new CountDownLatch(1), release = new CountDownLatch(1);
            Future<?> blocker = pool.submit(() -> store.writer().write(hold(running, release)));
            running.await();
            GroupCommitWriter.Work<String> duplicate = c -> {
                try (Statement s = c.createStatement()) {
                    s.executeUpdate("INSERT INTO commit_check (k) VALUES (1)");
                }
                return "inserted";
            };
            Future<String> one = pool.submit(() -> store.writer().write(duplicate));
            while (store.writer().queued() < 1) Thread.onSpinWait();
            Future<AcceptResult> accepted = pool.submit(() -> store.accept(msg("victim@one.test")));
            while (store.writer().queued() < 2) Thread.onSpinWait();
            Future<String> two = pool.submit(() -> store.writer().write(duplicate));
            while (store.writer().queued() < 3) Thread.onSpinWait();
            release.countDown();
            blocker.get();

            for (Future<?> f : List.of(one, accepted, two)) {
                assertThatThrownBy(f::get).hasCauseInstanceOf(StoreUnavailableException.class)
                        .hasMessageContaining("nothing of it was committed");
            }
            assertThat(store.queueStats().depth()).as("the acceptance of the failed group is not stored").isZero();
            assertThat(store.health().writable()).isFalse();
            // the next write commits (the group's transaction was rolled back, the connection is usable)
            var r = (AcceptResult.Created) store.accept(msg("after@one.test"));
            assertThat(store.message(r.receipt().messageId())).isPresent();
        }
    }

    @Test
    void aFailingUnit_failsAlone_theRestOfItsGroupCommitsOnce() throws Exception {
        try (PostgresStore store = open(); ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            CountDownLatch running = new CountDownLatch(1), release = new CountDownLatch(1);
            Future<?> blocker = pool.submit(() -> store.writer().write(hold(running, release)));
            running.await();
            Future<AcceptResult> before = pool.submit(() -> store.accept(msg("before@one.test")));
            while (store.writer().queued() < 1) Thread.onSpinWait();
            Future<Object> failing = pool.submit(() -> store.writer().write(c -> {
                try (Statement s = c.createStatement()) { // a unit's own SQL error aborts PostgreSQL's transaction ...
                    s.executeUpdate("INSERT INTO suppressions (address, stream, reason, rule_id, created_at) VALUES (NULL, 's', 'r', 'x', 1)");
                }
                return null;
            }));
            while (store.writer().queued() < 2) Thread.onSpinWait();
            Future<AcceptResult> after = pool.submit(() -> store.accept(msg("after@one.test")));
            while (store.writer().queued() < 3) Thread.onSpinWait();
            release.countDown();
            blocker.get();
            assertThatThrownBy(failing::get).hasRootCauseInstanceOf(org.postgresql.util.PSQLException.class);
            // ... until ROLLBACK TO its savepoint: the units before and after it commit in the same group
            for (Future<AcceptResult> f : List.of(before, after))
                assertThat(store.message(((AcceptResult.Created) f.get()).receipt().messageId())).isPresent();
            assertThat(store.health().writable()).as("a unit's own error is no store fault").isTrue();
            // the group ran first without unit savepoints, was rolled back at the failing unit and ran again with them:
            // what committed is each acceptance once
            assertThat(store.queueStats().depth()).isEqualTo(2);
            Database.Tx<Integer> accepted = c -> {
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM events WHERE type = 'message.accepted'")) {
                    rs.next();
                    return rs.getInt(1);
                }
            };
            assertThat(store.read(accepted)).isEqualTo(2);
        }
    }

    @Test
    void theWriteConnectionKilled_failsItsGroupAsUnavailable_thenTheStoreResumesByItself() throws Exception {
        try (PostgresStore store = open(); Connection admin = pg.connect()) {
            store.accept(msg("before@one.test"));
            int writerPid = store.write(c -> {
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
                    rs.next();
                    return rs.getInt(1);
                }
            });
            try (var ps = admin.prepareStatement("SELECT pg_terminate_backend(?)")) { // as an operator or a failover would
                ps.setInt(1, writerPid);
                ps.execute();
            }
            assertThatThrownBy(() -> store.accept(msg("lost@one.test"))).isInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining("nothing of it was committed");
            assertThat(store.health().writable()).isFalse();
            assertThat(store.health().problem()).isPresent();
            // the writer's probe opens a new connection and commits: writable again, no restart
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> store.health().writable());
            var r = (AcceptResult.Created) store.accept(msg("after@one.test"));
            assertThat(store.message(r.receipt().messageId())).isPresent();
            assertThat(store.queueStats().depth()).as("before and after, not the lost one").isEqualTo(2);
        }
    }

    /** A unit that adds one final outcome to each domain's count of minute 0, in this order. */
    private static GroupCommitWriter.Work<String> count(String... domains) {
        return c -> {
            for (String d : domains) {
                try (var ps = c.prepareStatement("""
                        INSERT INTO domain_outcomes (domain, minute, finals, failures) VALUES (?, 0, 1, 0)
                        ON CONFLICT (domain, minute) DO UPDATE SET finals = domain_outcomes.finals + 1
                        """)) {
                    ps.setString(1, d);
                    ps.executeUpdate();
                }
            }
            return String.join(",", domains);
        };
    }

    @Test
    void aDeadlockBetweenTwoNodes_isResolvedByRunningTheLosingUnitAgain_nothingFails() throws Exception {
        try (PostgresStore a = open(); PostgresStore b = open(); ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
             Connection admin = pg.connect()) {
            int pidB = b.write(PostgresStoreTest::backendPid);
            // Node a's group: x.test counted, then held open, then y.test ...
            CountDownLatch firstRunning = new CountDownLatch(1), releaseFirst = new CountDownLatch(1);
            CountDownLatch held = new CountDownLatch(1), release = new CountDownLatch(1);
            Future<?> first = pool.submit(() -> a.writer().write(hold(firstRunning, releaseFirst)));
            firstRunning.await();
            Future<String> ax = pool.submit(() -> a.writer().write(count("x.test")));
            while (a.writer().queued() < 1) Thread.onSpinWait();
            Future<?> holder = pool.submit(() -> a.writer().write(hold(held, release)));
            while (a.writer().queued() < 2) Thread.onSpinWait();
            Future<String> ay = pool.submit(() -> a.writer().write(count("y.test")));
            while (a.writer().queued() < 3) Thread.onSpinWait();
            releaseFirst.countDown();
            held.await();
            // ... node b's unit counts y.test then x.test: it takes y and waits for a's x ...
            Future<String> byx = pool.submit(() -> b.writer().write(count("y.test", "x.test")));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> waitsForALock(admin, pidB));
            // ... then a asks for y: a cycle. PostgreSQL aborts b's statement (b waited first, so its deadlock check
            // runs first); the writer rolls b's unit back to its savepoint (freeing y) and runs it again after a's commit.
            release.countDown();
            assertThat(byx.get()).isEqualTo("y.test,x.test");
            assertThat(ax.get()).isEqualTo("x.test");
            assertThat(ay.get()).isEqualTo("y.test");
            first.get();
            holder.get();
            assertThat(b.domainOutcomes("x.test", Instant.EPOCH).finals()).isEqualTo(2);
            assertThat(b.domainOutcomes("y.test", Instant.EPOCH).finals()).isEqualTo(2);
            assertThat(a.health().writable()).isTrue();
            assertThat(b.health().writable()).isTrue();
        }
    }

    private static boolean waitsForALock(Connection admin, int pid) throws SQLException {
        try (var ps = admin.prepareStatement("SELECT wait_event_type FROM pg_stat_activity WHERE pid = ?")) {
            ps.setInt(1, pid);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && "Lock".equals(rs.getString(1));
            }
        }
    }

    @Test
    void synchronousCommit_isOnForTheStoresConnections_whateverTheUrlAsks() {
        String url = pg.url() + "&options=-c%20synchronous_commit%3Doff";
        try (PostgresStore store = PostgresStore.connect(url, pg.user(), pg.password(), 1, clock)) {
            String read = store.read(c -> show(c));
            String written = store.write(PostgresStoreTest::show);
            assertThat(read).isEqualTo("on");
            assertThat(written).isEqualTo("on");
        }
    }

    private static String show(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW synchronous_commit")) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void anUnreachableServer_failsTheOpen_sayingWhatToCheck() {
        assertThatThrownBy(() -> PostgresStore.connect("jdbc:postgresql://127.0.0.1:1/rebound?connectTimeout=2", "rebound", "s3cret", 1, clock))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("cannot connect to the PostgreSQL store jdbc:postgresql://127.0.0.1:1/rebound")
                .hasMessageContaining("REBOUND_STORE_USER").hasMessageNotContaining("s3cret");
    }
}
