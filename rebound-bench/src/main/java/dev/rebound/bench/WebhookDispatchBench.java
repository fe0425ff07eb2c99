package dev.rebound.bench;

import com.sun.net.httpserver.HttpServer;
import dev.rebound.server.store.NewMessage;
import dev.rebound.server.store.SqliteStore;
import dev.rebound.server.store.Store;
import dev.rebound.server.store.WebhookStore;
import dev.rebound.server.webhooks.DeliveryPolicy;
import dev.rebound.server.webhooks.WebhookDispatcher;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Outbound webhook throughput (a harness that prints figures, not a JMH benchmark: the dispatcher is a pipeline
 * of store writes and HTTP requests). Two modes:
 *
 * <ul>
 *   <li>{@code WebhookDispatchBench [events [batch-size]]} (default 20,000 and 64): a fresh SQLite store in a temporary directory, one
 *       endpoint on a local receiver (JDK HTTP server on 127.0.0.1, answering 204), the outbox filled with
 *       {@code events} outcomes (one recipient each, so nothing waits on order), then the dispatcher's loop (as in the service) runs
 *       until every event is delivered; prints events/s and the load average.</li>
 *   <li>{@code WebhookDispatchBench --receive HOST:PORT}: only the receiver (path {@code /hook}, 204 to every
 *       POST), counting requests every 5 s: the endpoint of a relay benchmark with webhooks on.</li>
 * </ul>
 */
public final class WebhookDispatchBench {
    private WebhookDispatchBench() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("--receive")) {
            String[] hp = args[1].split(":");
            receive(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])));
            return;
        }
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 64; // webhooks.batch-size
        AtomicLong received = new AtomicLong();
        HttpServer receiver = receiver(new InetSocketAddress("127.0.0.1", 0), received);
        Path dir = Files.createTempDirectory("rebound-webhook-bench");
        Clock clock = Clock.systemUTC();
        try (Store store = SqliteStore.open("jdbc:sqlite:" + dir.resolve("bench.db"), 4, clock)) {
            WebhookStore w = store.webhooks();
            Instant now = clock.instant();
            w.save(new WebhookStore.Endpoint("bench", "api", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook",
                    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Optional.empty(), Optional.empty(), List.of(), List.of(), false,
                    WebhookStore.EndpointState.ENABLED, "", Optional.empty(), "", now, now));
            WebhookDispatcher dispatcher = new WebhookDispatcher(w, new DeliveryPolicy(DeliveryPolicy.DEFAULT_SCHEDULE, Duration.ofDays(5)),
                    clock, "bench", Duration.ofSeconds(10), Duration.ofMillis(50), batch, new SimpleMeterRegistry());
            dispatcher.runOnce(); // starts the fan-out cursor at the end of the (empty) outbox
            byte[] raw = "From: a@bench.test\r\nTo: r@bench.test\r\nSubject: bench\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII);
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < events; i++) {
                    int n = i;
                    pool.submit(() -> store.accept(new NewMessage("transactional", "a@bench.test", List.of("r" + n + "@bench.test"), raw,
                            "", "http", Optional.empty(), "")));
                }
            }
            String loadBefore = Files.readString(Path.of("/proc/loadavg")).trim();
            long t0 = System.nanoTime();
            dispatcher.start(); // the service's loop
            while (received.get() < events) Thread.sleep(10);
            double seconds = (System.nanoTime() - t0) / 1e9;
            String loadAfter = Files.readString(Path.of("/proc/loadavg")).trim();
            System.out.printf("--- results ---%nevents=%d%nbatch_size=%d%nseconds=%.2f%nevents_per_s=%.0f%nloadavg_before=%s%nloadavg_after=%s%n",
                    events, batch, seconds, events / seconds, loadBefore, loadAfter);
            dispatcher.close();
        } finally {
            receiver.stop(0);
        }
    }

    private static HttpServer receiver(InetSocketAddress at, AtomicLong count) throws Exception {
        HttpServer s = HttpServer.create(at, 512);
        s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        s.createContext("/hook", ex -> {
            try (ex; InputStream in = ex.getRequestBody()) {
                in.readAllBytes();
                count.incrementAndGet();
                ex.sendResponseHeaders(204, -1);
            }
        });
        s.start();
        return s;
    }

    private static void receive(InetSocketAddress at) throws Exception {
        AtomicLong count = new AtomicLong();
        receiver(at, count);
        System.out.println("webhook receiver on http://" + at.getHostString() + ":" + at.getPort() + "/hook");
        long last = 0;
        while (true) {
            Thread.sleep(5000);
            long c = count.get();
            System.out.printf("%s requests=%d (+%d)%n", Instant.now(), c, c - last);
            last = c;
        }
    }
}
