package dev.rebound.bench;

import dev.rebound.core.dsn.BounceParser;
import dev.rebound.core.dsn.BounceResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * Emails parsed per second on one thread, cycling through the dev bounce corpus (338 .eml). The corpus directory
 * is the {@code corpus} parameter, by default {@code -Drebound.shared.dir}/corpus/dev, else ../shared/corpus/dev:
 * {@code java -jar rebound-bench/target/rebound-bench.jar BounceParseBenchmark -f 1 -wi 2 -i 3 -p corpus=DIR}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
public class BounceParseBenchmark {

    @Param({""})
    public String corpus;

    private byte[][] emails;
    private int next;

    @Setup
    public void load() throws IOException {
        Path dir = corpus.isEmpty()
                ? Path.of(System.getProperty("rebound.shared.dir", "../shared"), "corpus", "dev")
                : Path.of(corpus);
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("bounce corpus not found at " + dir.toAbsolutePath()
                    + "; pass -p corpus=/path/to/shared/corpus/dev or -Drebound.shared.dir=/path/to/shared");
        }
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> files = s.filter(p -> p.toString().endsWith(".eml")).sorted().toList();
            emails = new byte[files.size()][];
            for (int i = 0; i < emails.length; i++) emails[i] = Files.readAllBytes(files.get(i));
        }
        if (emails.length == 0) throw new IllegalStateException("no .eml files in " + dir);
    }

    /** One email per operation: the score is emails parsed per second. */
    @Benchmark
    public BounceResult parseOneEmail() {
        byte[] e = emails[next];
        next = next + 1 == emails.length ? 0 : next + 1;
        return BounceParser.parse(e);
    }
}
