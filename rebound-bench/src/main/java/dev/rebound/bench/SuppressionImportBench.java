package dev.rebound.bench;

import dev.rebound.server.cli.Main;
import dev.rebound.server.config.ConfigLoader;
import dev.rebound.server.config.ReboundConfig;
import dev.rebound.server.service.DeliveryAgents;
import dev.rebound.server.service.ReboundService;
import java.io.BufferedWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Bulk suppression import and export in bounded memory (issue 12; a harness that prints figures, not a JMH benchmark
 * and not a timed test): the real service (HTTP API, SQLite store in a temporary directory) and the real CLI in one
 * JVM; {@code rebound suppressions import} streams a generated CSV of {@code lines} entries (default 1,000,000), then
 * {@code rebound suppressions export} streams them back to a file. A sampler thread reads the heap in use every 20 ms;
 * the harness prints, per phase, the time, lines per second, the peak heap used (server and CLI together) and the
 * max heap, plus the load average. Run with a small heap to show that nothing holds the list:
 *
 * <pre>
 * mvn -B -q -Pbench -pl rebound-bench -am package -DskipTests
 * java -Xmx96m -cp rebound-bench/target/benchmarks.jar dev.rebound.bench.SuppressionImportBench [lines]
 * </pre>
 */
public final class SuppressionImportBench {
    private SuppressionImportBench() {}

    /** The peak heap in use while it runs (sampled). */
    static final class HeapSampler implements AutoCloseable {
        private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        private final AtomicLong peak = new AtomicLong();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        HeapSampler() {
            thread = Thread.ofPlatform().daemon().name("heap-sampler").start(() -> {
                while (running.get()) {
                    peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        long peak() {
            return peak.get();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join();
        }
    }

    public static void main(String[] args) throws Exception {
        int lines = args.length > 0 ? Integer.parseInt(args[0].replace("_", "")) : 1_000_000;
        Path dir = Files.createTempDirectory("rebound-suppression-bench");
        try {
            Path csv = dir.resolve("list.csv");
            try (BufferedWriter w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
                w.write("address,stream,reason,note\n");
                for (int i = 0; i < lines; i++) {
                    w.write("user");
                    w.write(Integer.toString(i));
                    w.write("@d");
                    w.write(Integer.toString(i % 997));
                    w.write(".example,transactional,userunknown,imported from the previous provider\n");
                }
            }
            Map<String, String> env = new HashMap<>();
            env.put("REBOUND_HTTP_LISTEN", "127.0.0.1:0");
            env.put("REBOUND_SMTP_LISTEN", "127.0.0.1:0");
            env.put("REBOUND_STORE_URL", "jdbc:sqlite:" + dir.resolve("rebound.db"));
            env.put("REBOUND_NODE_ID", "bench");
            ReboundConfig cfg = new ConfigLoader(env).load();
            Clock clock = Clock.systemUTC();
            System.gc();
            long base = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            try (ReboundService service = ReboundService.start(cfg, clock, DeliveryAgents.forConfig(cfg, clock), false)) {
                String url = "http://127.0.0.1:" + service.httpPort();
                System.gc();
                long started = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                long max = Runtime.getRuntime().maxMemory();
                System.out.printf(Locale.ROOT, "suppression import bench: %,d lines (%.1f MB CSV); max heap %.0f MB; heap used after start %.1f MB (before %.1f MB)%n",
                        lines, Files.size(csv) / 1e6, max / 1e6, started / 1e6, base / 1e6);

                Result imp = run("import", lines, "suppressions", "import", csv.toString(), "--url", url);
                Path out = dir.resolve("export.jsonl");
                Result exp = run("export", lines, "suppressions", "export", "--format", "jsonl", "--output", out.toString(), "--url", url);
                long exported;
                try (Stream<String> s = Files.lines(out)) {
                    exported = s.count();
                }
                System.out.println("import answer: " + imp.out.strip().lines().findFirst().orElse(""));
                System.out.printf(Locale.ROOT, "exported lines: %,d%n", exported);
                for (Result r : new Result[] {imp, exp})
                    System.out.printf(Locale.ROOT, "%-7s exit %d  %.1f s  %,.0f lines/s  peak heap used %.1f MB (of max %.0f MB)%n",
                            r.phase, r.code, r.seconds, lines / r.seconds, r.peakHeap / 1e6, max / 1e6);
                System.out.println("load average: " + Files.readString(Path.of("/proc/loadavg")).strip());
            }
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    record Result(String phase, int code, double seconds, long peakHeap, String out) {}

    static Result run(String phase, int lines, String... args) throws Exception {
        StringWriter out = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(System.err, true));
        System.gc();
        long t0 = System.nanoTime();
        int code;
        long peak;
        try (HeapSampler heap = new HeapSampler()) {
            code = cl.execute(args);
            peak = heap.peak();
        }
        return new Result(phase, code, (System.nanoTime() - t0) / 1e9, peak, out.toString());
    }
}
