package dev.rebound.bench;

import dev.rebound.server.store.Claim;
import dev.rebound.server.store.NewMessage;
import dev.rebound.server.store.QueueBreakdown;
import dev.rebound.server.store.QueueStats;
import dev.rebound.server.store.SqlStore;
import dev.rebound.server.store.Store;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The 1,000,000-recipient backlog (issue 15): a harness that prints figures, not a timed test. It enqueues
 * {@code recipients} recipients (messages of {@code per-message} recipients each, submitted concurrently as intake
 * does) to one unreachable destination and one healthy domain, then measures on that backlog what the service does:
 *
 * <ul>
 *   <li>enqueue time and rate;</li>
 *   <li>heap (used after a GC) and RSS before and after the enqueue and after the claims: the queue lives in the store,
 *       so neither grows with the backlog beyond the store's page cache;</li>
 *   <li>claim latency: the scheduler's claim (batch 200, lease 10 min, per-domain limit 20) while the unreachable
 *       domain's slots are taken and released by postponing (as a dead destination is postponed), so each claim must
 *       find the healthy domain's recipient behind a million due ones;</li>
 *   <li>{@code GET /v1/queue} latency: the two store reads the route makes ({@code queueStats}, {@code queueBreakdown}).</li>
 * </ul>
 *
 * <p>Usage: {@code QueueBacklogBench [recipients [per-message [jdbc-url]]]} (default 1,000,000, 100, a SQLite file in a
 * temporary directory; a {@code jdbc:postgresql:} URL runs it on PostgreSQL). Run with {@code -Xmx512m} to show the heap stays flat.
 */
public final class QueueBacklogBench {
    private QueueBacklogBench() {}

    public static void main(String[] args) throws Exception {
        int recipients = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int perMessage = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        Path dir = Files.createTempDirectory("rebound-backlog-bench");
        String url = args.length > 2 ? args[2] : "jdbc:sqlite:" + dir.resolve("backlog.db");
        Clock clock = Clock.systemUTC();
        System.out.printf("--- setup ---%nstore=%s%nrecipients=%d%nper_message=%d%nloadavg=%s%n", url.replaceAll("password=[^&]*", "password=…"),
                recipients, perMessage, load());
        try (Store store = open(url, clock)) {
            Memory before = Memory.now();
            byte[] raw = "From: app@bench.test\r\nSubject: backlog\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
            int messages = (recipients + perMessage - 1) / perMessage;
            long t0 = System.nanoTime();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> fs = new ArrayList<>();
                for (int m = 0; m < messages; m++) {
                    int first = m * perMessage, n = Math.min(perMessage, recipients - first);
                    String[] to = new String[n];
                    for (int k = 0; k < n; k++) to[k] = "r" + (first + k) + "@unreachable.test";
                    fs.add(pool.submit(() -> store.accept(new NewMessage("transactional", "app@bench.test", Arrays.asList(to), raw, "",
                            "http", Optional.empty(), ""))));
                    if (fs.size() >= 256) {
                        for (Future<?> f : fs) f.get();
                        fs.clear();
                    }
                }
                for (Future<?> f : fs) f.get();
            }
            double enqueueSeconds = (System.nanoTime() - t0) / 1e9;
            Memory enqueued = Memory.now();
            System.out.printf("--- enqueue ---%nseconds=%.1f%nrecipients_per_s=%.0f%nheap_before_mb=%.1f%nheap_after_mb=%.1f%nrss_before_mb=%.1f%nrss_after_mb=%.1f%nloadavg=%s%n",
                    enqueueSeconds, recipients / enqueueSeconds, before.heapMb, enqueued.heapMb, before.rssMb, enqueued.rssMb, load());

            // one healthy recipient queued after the backlog: every claim must reach it past a million due rows
            store.accept(new NewMessage("transactional", "app@bench.test", List.of("ok@healthy.test"), raw, "", "http", Optional.empty(), ""));
            int rounds = 200;
            long[] claimNanos = new long[rounds];
            int claimed = 0;
            boolean healthySeen = false;
            for (int i = 0; i < rounds; i++) {
                long c0 = System.nanoTime();
                List<Claim> claims = store.claimDue("bench-node", 200, Duration.ofMinutes(10), 20);
                claimNanos[i] = System.nanoTime() - c0;
                claimed += claims.size();
                for (Claim c : claims) healthySeen |= c.domain().equals("healthy.test");
                // the unreachable domain is dead: its claimed recipients are postponed (no attempt spent), freeing the slots
                store.postpone(claims, clock.instant().plus(Duration.ofHours(1)));
            }
            long[] queueNanos = new long[50];
            QueueStats stats = null;
            QueueBreakdown breakdown = null;
            for (int i = 0; i < queueNanos.length; i++) {
                long q0 = System.nanoTime();
                stats = store.queueStats();
                breakdown = store.queueBreakdown();
                queueNanos[i] = System.nanoTime() - q0;
            }
            Memory after = Memory.now();
            System.out.printf("--- claims (batch 200, per-domain limit 20, then postponed) ---%nrounds=%d%nclaimed=%d%nhealthy_claimed=%s%n"
                            + "claim_ms_p50=%.2f%nclaim_ms_p99=%.2f%nclaim_ms_max=%.2f%n",
                    rounds, claimed, healthySeen, pct(claimNanos, 50), pct(claimNanos, 99), pct(claimNanos, 100));
            System.out.printf("--- GET /v1/queue (queueStats + queueBreakdown) ---%ndepth=%d%nqueued=%d%nqueue_ms_p50=%.2f%nqueue_ms_p99=%.2f%n",
                    stats.depth(), breakdown.byState().get(dev.rebound.server.store.RecipientState.QUEUED), pct(queueNanos, 50), pct(queueNanos, 99));
            System.out.printf("--- memory ---%nheap_after_claims_mb=%.1f%nrss_after_claims_mb=%.1f%nheap_max_mb=%.0f%nloadavg=%s%n", after.heapMb,
                    after.rssMb, Runtime.getRuntime().maxMemory() / 1048576.0, load());
        }
    }

    /**
     * Opens the store a {@code store.url} names, as the service does: a SQLite file, or PostgreSQL with the role from
     * {@code REBOUND_STORE_USER} / {@code REBOUND_STORE_PASSWORD} (use a fresh database or {@code ?currentSchema=}).
     */
    static Store open(String url, Clock clock) {
        return SqlStore.open(url, System.getenv("REBOUND_STORE_USER"), System.getenv("REBOUND_STORE_PASSWORD"), 4, clock);
    }

    private static double pct(long[] nanos, int p) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        int i = Math.min(s.length - 1, (int) Math.ceil(p / 100.0 * s.length) - 1);
        return s[Math.max(0, i)] / 1e6;
    }

    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "?";
        }
    }

    /** Heap used after a GC, and the process's resident set (Linux /proc/self/status VmRSS). */
    private record Memory(double heapMb, double rssMb) {
        static Memory now() {
            System.gc();
            double heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1048576.0;
            double rss = -1;
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status")))
                    if (line.startsWith("VmRSS:")) rss = Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
            } catch (java.io.IOException | NumberFormatException e) {
                // not Linux: RSS unknown (-1)
            }
            return new Memory(heap, rss);
        }
    }
}
