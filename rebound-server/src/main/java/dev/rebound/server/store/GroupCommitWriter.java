package dev.rebound.server.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Group commit: one platform thread owns the only write connection. Callers enqueue a unit of work and block on
 * its future; the writer takes everything queued (up to {@code maxBatch}), runs each unit under its own
 * savepoint inside one transaction, commits once (one fsync with {@code synchronous=FULL}), and only then
 * completes each caller's future. A unit that throws is rolled back to its savepoint and fails alone.
 *
 * <p>Why a platform thread: sqlite-jdbc calls are JNI, which pins a virtual thread's carrier on every JDK, and
 * SQLite admits one writer at a time anyway. The batch grows by itself under load (callers arriving during a
 * commit are queued for the next one), so there is no timer and no added latency when idle.
 */
final class GroupCommitWriter implements AutoCloseable {

    @FunctionalInterface
    interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private record Request<T>(Work<T> work, CompletableFuture<T> done) {
        @SuppressWarnings("unchecked")
        void complete(Object value) {
            done.complete((T) value);
        }
    }

    private final Request<Void> stopRequest = new Request<>(c -> null, new CompletableFuture<>());

    private final Connection connection;
    private final int maxBatch;
    private final BlockingQueue<Request<?>> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong writes = new AtomicLong();
    private final AtomicInteger largestBatch = new AtomicInteger();
    private volatile boolean closed;

    GroupCommitWriter(Connection connection, int maxBatch, String name) throws SQLException {
        this.connection = connection;
        this.maxBatch = maxBatch;
        connection.setAutoCommit(false);
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

    /** Writes waiting for the next group. */
    int queued() {
        return queue.size();
    }

    WriteStats stats() {
        return new WriteStats(commits.get(), writes.get(), largestBatch.get());
    }

    private void loop() {
        List<Request<?>> batch = new ArrayList<>(maxBatch);
        List<Object> results = new ArrayList<>(maxBatch);
        List<Throwable> failures = new ArrayList<>(maxBatch);
        while (true) {
            batch.clear();
            results.clear();
            failures.clear();
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                return;
            }
            queue.drainTo(batch, maxBatch - 1);
            boolean stop = batch.remove(stopRequest);
            for (Request<?> r : batch) {
                try {
                    // SQL savepoints through prepared statements (cached by StatementCache): the JDBC Savepoint
                    // API compiles a new statement for each of them, two per unit.
                    execute("SAVEPOINT unit");
                    try {
                        results.add(r.work().run(connection));
                        failures.add(null);
                        execute("RELEASE unit");
                    } catch (Exception | Error e) {
                        // Any failure of one unit (even an Error) is that caller's alone; the writer lives on.
                        execute("ROLLBACK TO unit");
                        execute("RELEASE unit");
                        results.add(null);
                        failures.add(e);
                    }
                } catch (SQLException e) {
                    results.add(null);
                    failures.add(e);
                }
            }
            Throwable commitFailure = null;
            if (!batch.isEmpty()) {
                try {
                    connection.commit();
                    commits.incrementAndGet();
                    writes.addAndGet(batch.size());
                    largestBatch.accumulateAndGet(batch.size(), Math::max);
                } catch (SQLException e) {
                    commitFailure = e;
                    try {
                        connection.rollback();
                    } catch (SQLException ignored) {
                        // the commit failure is what callers need to see
                    }
                }
            }
            for (int i = 0; i < batch.size(); i++) {
                Request<?> r = batch.get(i);
                Throwable f = commitFailure != null ? commitFailure : failures.get(i);
                if (f != null) r.done().completeExceptionally(f instanceof RuntimeException || f instanceof Error ? f
                        : new StoreException("store write failed (nothing of it was committed): " + f.getMessage(), f));
                else r.complete(results.get(i));
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
            connection.close();
        } catch (InterruptedException | SQLException e) {
            Thread.currentThread().interrupt();
        }
    }
}
