package dev.rebound.server.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit: one platform thread owns the only write connection. Callers enqueue a unit of work and block on
 * its future; the writer takes everything queued (up to {@code maxBatch}), runs each unit under its own
 * savepoint inside one transaction, commits once (one fsync with {@code synchronous=FULL}), and only then
 * completes each caller's future. A unit that throws is rolled back to its savepoint and fails alone.
 *
 * <p>Why a platform thread: sqlite-jdbc calls are JNI, which pins a virtual thread's carrier on every JDK, and
 * SQLite admits one writer at a time anyway. The batch grows by itself under load (callers arriving during a
 * commit are queued for the next one), so there is no timer and no added latency when idle.
 *
 * <p>The same writer serves the PostgreSQL store (one per node): each round is one transaction, one WAL flush
 * with {@code synchronous_commit = on}, before any caller of the round is acknowledged. What differs is in
 * {@link Dialect}: the {@code BEGIN} statement, the work done just before {@code COMMIT} (numbering the outbox rows),
 * which errors are store faults, and that a unit failing on a deadlock or serialization conflict with another node
 * is rolled back to its savepoint and run again (up to {@link #CONFLICT_RETRIES} times) instead of failing.
 *
 * <p><b>Round trips on PostgreSQL.</b> Every statement is a network round trip to the server (SQLite's are calls
 * into the same process), and a savepoint that writes is a subtransaction of its own. So on PostgreSQL
 * ({@link Dialect#optimisticGroups()}) a group is first run without unit savepoints,
 * <pre>BEGIN; work*; (number the outbox rows; COMMIT)</pre>
 * the last three in one round trip ({@link Dialect#commit}). Only when one of its units throws is that transaction
 * rolled back (nothing of it committed, no caller answered) and the whole group run again the savepoint way below, where
 * the failing unit fails alone (or, after a conflict with another node, runs again). A unit is therefore run at most
 * twice before it commits; units are plain SQL over the connection and may run again (as after a conflict already).
 *
 * <p><b>Faults.</b> SQLite may roll a whole transaction back by itself after {@code SQLITE_FULL},
 * {@code SQLITE_IOERR}, {@code SQLITE_NOMEM} or {@code SQLITE_BUSY} ("Response To Errors Within A Transaction",
 * https://sqlite.org/lang_transaction.html), after which the connection is in autocommit mode and a
 * bookkeeping that assumes "my transaction is still open" acknowledges writes that were never committed. So the
 * writer trusts no bookkeeping, only SQLite's answers. The JDBC connection stays in autocommit mode and each
 * group is
 * <pre>BEGIN IMMEDIATE; SAVEPOINT grp; (SAVEPOINT unit; work; RELEASE unit)*; RELEASE grp; COMMIT</pre>
 * A savepoint exists only inside the transaction that made it, so: a failed unit counts as failing alone only
 * when {@code ROLLBACK TO unit} succeeds; if it does not, or {@code RELEASE grp} fails, SQLite dropped the
 * transaction and every unit of the group failed (the units not yet run fail too, nothing of them ran); a
 * {@code COMMIT} that fails fails every unit. A caller's future completes normally only after {@code COMMIT}
 * returned. After any such failure the writer rolls back, checks that the connection is out of a transaction
 * and answers ({@code BEGIN} succeeds only outside one, then {@code ROLLBACK}), and otherwise closes it and
 * opens a new one (with a new statement cache) before the next group.
 *
 * <p>A store fault (a group not committed, or a unit failing with one of SQLite's storage result codes) makes
 * the store not writable ({@link #health()}): callers then get {@link StoreUnavailableException}, listeners
 * answer "try later", readiness reports it. While not writable, the writer runs a probe transaction every
 * {@code probeInterval} (also when no traffic comes), which must grow the database file to commit; its commit
 * makes the store writable again, so the store resumes by itself when space returns.
 */
final class GroupCommitWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GroupCommitWriter.class);

    @FunctionalInterface
    interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    /** Opens a write connection (settings applied, statement cache wrapped). */
    @FunctionalInterface
    interface Connector {
        Connection open() throws SQLException;
    }

    /** How often a unit that lost a deadlock or serialization conflict to another node is run again. */
    static final int CONFLICT_RETRIES = 3;

    private record Fault(String problem, java.time.Instant since) {}

    private record Request<T>(Work<T> work, CompletableFuture<T> done) {
        @SuppressWarnings("unchecked")
        void complete(Object value) {
            done.complete((T) value);
        }
    }

    private final Request<Void> stopRequest = new Request<>(c -> null, new CompletableFuture<>());

    private final Connector connector;
    private final Dialect dialect;
    private final int maxBatch;
    private final Work<?> probe;
    private final long probeIntervalNanos;
    private final Clock clock;
    /** The queue figures of the group in progress (writer thread only; see {@link QueueTally}). */
    private final QueueTally tally;
    private final BlockingQueue<Request<?>> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong failedGroups = new AtomicLong();
    private final AtomicInteger largestBatch = new AtomicInteger();
    /** The last fault while not writable; null while writable. */
    private volatile Fault fault;
    private volatile boolean closed;
    /** Owned by the writer thread; null while it cannot be opened. */
    private Connection connection;
    private long lastProbeNanos;

    /**
     * @param probe         a unit that commits only when the store can grow (run while not writable)
     * @param probeInterval how often the probe runs while the store is not writable
     */
    GroupCommitWriter(Connector connector, Dialect dialect, int maxBatch, String name, Work<?> probe, Duration probeInterval,
                      Clock clock) throws SQLException {
        this.connector = connector;
        this.dialect = dialect;
        this.maxBatch = maxBatch;
        this.probe = probe;
        this.probeIntervalNanos = probeInterval.toNanos();
        this.clock = clock;
        this.tally = new QueueTally(dialect == Dialect.SQLITE ? 1 : 8);
        this.connection = connector.open();
        this.connection.setAutoCommit(true); // transactions are this class's explicit statements
        this.thread = Thread.ofPlatform().name(name).daemon(true).start(this::loop);
    }

    /** Runs {@code work} in the next group transaction and returns its result once that transaction committed. */
    <T> T write(Work<T> work) {
        if (closed) throw new StoreException("the store is closed; no write accepted", null);
        CompletableFuture<T> done = new CompletableFuture<>();
        queue.add(new Request<>(work, done));
        try {
            return done.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof StoreException se) throw se;
            if (cause instanceof RuntimeException re) throw re;
            if (cause instanceof Error err) throw err;
            throw new StoreException("write failed: " + cause.getMessage(), cause);
        }
    }

    /**
     * The tally of the unit now running, for the unit's own code: called on the writer thread only (inside a
     * {@link #write} unit), it throws anywhere else.
     */
    QueueTally tally() {
        if (Thread.currentThread() != thread) throw new IllegalStateException("the queue tally belongs to the store writer thread; "
                + "call it only inside a write unit, not from " + Thread.currentThread().getName());
        return tally;
    }

    /** Writes waiting for the next group. */
    int queued() {
        return queue.size();
    }

    WriteStats stats() {
        return new WriteStats(commits.get(), writes.get(), largestBatch.get());
    }

    /** Whether the store can commit, as of the last group or probe. */
    StoreHealth health() {
        Fault f = fault;
        return f == null ? new StoreHealth(true, failedGroups.get(), Optional.empty(), Optional.empty())
                : new StoreHealth(false, failedGroups.get(), Optional.of(f.problem()), Optional.of(f.since()));
    }

    private void loop() {
        List<Request<?>> batch = new ArrayList<>(maxBatch);
        while (true) {
            batch.clear();
            try {
                Request<?> first;
                if (fault == null) {
                    first = queue.take();
                } else {
                    long wait = probeIntervalNanos - (System.nanoTime() - lastProbeNanos);
                    first = wait > 0 ? queue.poll(wait, TimeUnit.NANOSECONDS) : null;
                    if (first == null) {
                        probe();
                        continue;
                    }
                }
                batch.add(first);
            } catch (InterruptedException e) {
                return;
            }
            queue.drainTo(batch, maxBatch - 1);
            boolean stop = batch.remove(stopRequest);
            if (!batch.isEmpty()) {
                if (fault != null && System.nanoTime() - lastProbeNanos >= probeIntervalNanos) probe();
                runGroup(batch);
            }
            if (stop) {
                // Writes that slipped in after close() began: refuse them rather than leave callers waiting.
                List<Request<?>> late = new ArrayList<>();
                queue.drainTo(late);
                for (Request<?> r : late) r.done().completeExceptionally(new StoreException("the store closed before this write ran; nothing of it was committed", null));
                stopRequest.done().complete(null);
                return;
            }
        }
    }

    /** Runs the probe as a group of its own; its commit makes the store writable again. */
    private void probe() {
        lastProbeNanos = System.nanoTime();
        Request<Object> r = new Request<>(c -> probe.run(c), new CompletableFuture<>());
        if (runGroup(List.of(r)) && !r.done().isCompletedExceptionally()) {
            if (fault != null) log.info("store writable again: the probe transaction committed (not writable since {}: {})", fault.since(), fault.problem());
            fault = null;
        }
    }

    /**
     * One group transaction (see the class comment). Completes every request's future.
     *
     * @return true when the group committed
     */
    private boolean runGroup(List<Request<?>> batch) {
        if (dialect.optimisticGroups()) {
            Optional<Boolean> done = runOptimistic(batch);
            if (done.isPresent()) return done.get();
        }
        return runWithSavepoints(batch);
    }

    /**
     * The group without unit savepoints (PostgreSQL, see the class comment). Empty when a unit threw: the transaction
     * was rolled back, no caller was answered, and the group must run the savepoint way. Otherwise the group's outcome
     * (every caller answered): committed, or failed at {@code BEGIN}/{@code COMMIT} like a group the savepoint way.
     */
    private Optional<Boolean> runOptimistic(List<Request<?>> batch) {
        int n = batch.size();
        Object[] results = new Object[n];
        tally.clear();
        try {
            if (connection == null) connection = reopen();
            execute(dialect.beginWrite());
        } catch (SQLException e) {
            return Optional.empty(); // the savepoint way meets the same problem and reports it
        }
        for (int i = 0; i < n; i++) {
            try {
                tally.unitStart();
                results[i] = batch.get(i).work().run(connection);
                tally.unitKept();
            } catch (Exception | Error e) {
                tally.clear(); // rolled back: the rerun with savepoints starts afresh
                try {
                    execute("ROLLBACK");
                } catch (SQLException gone) {
                    // the savepoint way's BEGIN finds out whether the connection is still usable
                }
                log.debug("a unit failed in a group without savepoints ({}); running the group again with savepoints", e.toString());
                return Optional.empty();
            }
        }
        Throwable[] failures = new Throwable[n];
        boolean[] released = new boolean[n];
        java.util.Arrays.fill(released, true);
        try {
            tally.flush(connection); // the group's queue counts and domain bounds, written once
            dialect.commit(connection);
        } catch (SQLException lost) {
            return Optional.of(finish(batch, results, failures, released, false, lost, true, lost.getMessage()));
        }
        return Optional.of(finish(batch, results, failures, released, true, null, false, null));
    }

    /** The group the savepoint way (see the class comment). */
    private boolean runWithSavepoints(List<Request<?>> batch) {
        int n = batch.size();
        Object[] results = new Object[n];
        Throwable[] failures = new Throwable[n];
        boolean[] released = new boolean[n];
        SQLException lost = null; // why the group transaction did not commit
        boolean faulted = false;
        String faultReason = null;
        tally.clear();
        try {
            if (connection == null) connection = reopen();
            execute(dialect.beginWrite());
        } catch (SQLException e) {
            lost = e;
        }
        if (lost == null) {
            try {
                execute("SAVEPOINT grp");
            } catch (SQLException e) {
                lost = e;
            }
        }
        for (int i = 0; i < n && lost == null; i++) {
            try {
                execute("SAVEPOINT unit");
            } catch (SQLException e) {
                lost = e;
                break;
            }
            try {
                tally.unitStart();
                results[i] = runUnit(batch.get(i).work());
            } catch (Exception | Error e) {
                // Any failure of one unit (even an Error) is that caller's alone, if the transaction survived it.
                tally.unitDropped();
                failures[i] = e;
                Optional<SQLException> storeFault = storeFault(e);
                if (storeFault.isPresent()) {
                    faulted = true;
                    faultReason = storeFault.get().getMessage();
                }
                try {
                    execute("ROLLBACK TO unit");
                    execute("RELEASE unit");
                } catch (SQLException gone) {
                    lost = storeFault.orElse(gone);
                    if (storeFault.isEmpty()) lost.addSuppressed(e);
                }
                continue;
            }
            try {
                execute("RELEASE unit");
                released[i] = true;
                tally.unitKept();
            } catch (SQLException e) {
                lost = e;
            }
        }
        boolean committed = false;
        if (lost == null) {
            try {
                execute("RELEASE grp"); // fails when SQLite dropped the transaction along the way
                tally.flush(connection); // the group's queue counts and domain bounds, written once
                dialect.commit(connection);
                committed = true;
            } catch (SQLException e) {
                lost = e;
            }
        }
        return finish(batch, results, failures, released, committed, lost, faulted, faultReason);
    }

    /** Counts the group, marks a fault, recovers the connection after a group that did not commit, answers every caller. */
    private boolean finish(List<Request<?>> batch, Object[] results, Throwable[] failures, boolean[] released, boolean committed,
                           SQLException lost, boolean faulted, String faultReason) {
        int n = batch.size();
        if (committed) {
            commits.incrementAndGet();
            writes.addAndGet(n);
            largestBatch.accumulateAndGet(n, Math::max);
        } else {
            tally.clear();
            faulted = true;
            faultReason = lost.getMessage();
            recover(lost);
        }
        if (faulted) {
            failedGroups.incrementAndGet();
            if (fault == null) lastProbeNanos = System.nanoTime(); // the first probe one interval after the fault
            if (fault == null) log.error("store not writable: {} (writes are refused as temporary failures; "
                    + "the store probes every {} ms and resumes by itself)", faultReason, probeIntervalNanos / 1_000_000);
            fault = new Fault(String.valueOf(faultReason), fault == null ? clock.instant() : fault.since());
        }
        for (int i = 0; i < n; i++) {
            Request<?> r = batch.get(i);
            Throwable f = failures[i];
            if (committed && released[i]) {
                r.complete(results[i]);
            } else if (committed && f != null) {
                // rolled back to its savepoint; the group committed without it
                r.done().completeExceptionally(storeFault(f).isPresent()
                        ? new StoreUnavailableException("the store could not take this write (nothing of it was committed): " + f.getMessage(), f)
                        : dialect.retryable(f)
                        ? new StoreUnavailableException("this write lost a conflict with a concurrent transaction " + (CONFLICT_RETRIES + 1)
                                + " times (nothing of it was committed; try again): " + f.getMessage(), f)
                        : f instanceof RuntimeException || f instanceof Error ? f
                        : new StoreException("store write failed (nothing of it was committed): " + f.getMessage(), f));
            } else {
                r.done().completeExceptionally(new StoreUnavailableException("the store could not commit this write "
                        + "(nothing of it was committed): " + lost.getMessage(), lost));
            }
        }
        return committed;
    }

    /**
     * Runs one unit inside its savepoint {@code unit}; a unit that lost a conflict with a concurrent transaction
     * (PostgreSQL: deadlock, serialization failure) is rolled back to the savepoint and run again.
     */
    private Object runUnit(Work<?> work) throws Exception {
        for (int attempt = 0; ; attempt++) {
            try {
                return work.run(connection);
            } catch (SQLException e) {
                if (attempt >= CONFLICT_RETRIES || !dialect.retryable(e)) throw e;
                execute("ROLLBACK TO unit"); // throws (and so fails the group) if the transaction is gone
                tally.unitDropped(); // what the rolled-back run told the tally is gone with it
                log.debug("store write lost a conflict with a concurrent transaction ({}); running it again", e.getMessage());
            }
        }
    }

    /**
     * Brings the connection back to a known state after a group that did not commit: roll back (an error is the
     * expected answer when SQLite already rolled back), then check; a connection that fails the check is
     * replaced.
     */
    private void recover(SQLException cause) {
        if (connection == null) return;
        try {
            execute("ROLLBACK");
        } catch (SQLException expected) {
            // "cannot rollback - no transaction is active" after an automatic rollback
        }
        if (dialect.usable(connection)) return;
        log.warn("store write connection unusable after \"{}\"; opening a new one", cause.getMessage());
        try {
            connection.close();
        } catch (SQLException ignored) {
            // replacing it anyway
        }
        try {
            connection = reopen();
        } catch (SQLException e) {
            connection = null; // the next group tries again and fails its callers until it opens
            log.error("cannot open a new store write connection: {}", e.getMessage());
        }
    }

    private Connection reopen() throws SQLException {
        Connection c = connector.open();
        c.setAutoCommit(true);
        return c;
    }

    /** The error in {@code e}'s causes that means the store cannot take writes, if any. */
    Optional<SQLException> storeFault(Throwable e) {
        return dialect.storeFault(e);
    }

    private void execute(String sql) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.execute();
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        queue.add(stopRequest);
        try {
            thread.join();
            if (connection != null) connection.close();
        } catch (InterruptedException | SQLException e) {
            Thread.currentThread().interrupt();
        }
    }
}
