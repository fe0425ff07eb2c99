package dev.rebound.bench;

import dev.rebound.core.dsn.BounceParser;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Companion to {@link BounceParseBenchmark} for a shared, overloaded machine: the same rotation over the dev corpus,
 * divided by the thread's CPU time instead of wall time, so time spent waiting for a core does not count (cache and
 * memory-bandwidth interference from other processes still does). Prints emails per CPU-second for each round after
 * a warm-up. Two builds compared in one sitting (alternating runs) give a ratio that holds on a busy machine. Run:
 * {@code java -cp "rebound-bench/target/rebound-bench.jar:rebound-bench/target/lib/*" dev.rebound.bench.BounceParseCpuTime
 * [corpus-dir] [warm-up emails] [rounds] [emails per round]}.
 */
public final class BounceParseCpuTime {
    private BounceParseCpuTime() {}

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0]
                : Path.of(System.getProperty("rebound.shared.dir", "../shared"), "corpus", "dev").toString());
        int warm = args.length > 1 ? Integer.parseInt(args[1]) : 30_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        int per = args.length > 3 ? Integer.parseInt(args[3]) : 10_000;
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".eml")).sorted().toList();
        }
        if (files.isEmpty()) throw new IllegalStateException("no .eml files in " + dir.toAbsolutePath());
        byte[][] emails = new byte[files.size()][];
        for (int i = 0; i < emails.length; i++) emails[i] = Files.readAllBytes(files.get(i));
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long sink = 0;
        int k = 0;
        for (int i = 0; i < warm; i++, k = (k + 1) % emails.length) sink += BounceParser.parse(emails[k]).hashCode();
        StringBuilder out = new StringBuilder("emails per CPU-second:");
        for (int r = 0; r < rounds; r++) {
            long cpu0 = mx.getCurrentThreadCpuTime();
            for (int i = 0; i < per; i++, k = (k + 1) % emails.length) sink += BounceParser.parse(emails[k]).hashCode();
            out.append(String.format(" %.0f", per / ((mx.getCurrentThreadCpuTime() - cpu0) / 1e9)));
        }
        System.out.println(out + (sink == 42 ? " " : ""));
    }
}
