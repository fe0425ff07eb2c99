package dev.rebound.server.webhooks;

import dev.rebound.core.events.StandardWebhookSignature;
import dev.rebound.server.store.WebhookStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.io.IOException;
import java.net.URI;
import java.net.SocketTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the outbox to the endpoints. Each round: (1) fan-out: outbox rows after the store's cursor become one
 * delivery per subscribed endpoint, in one transaction with the cursor's move, so an event committed with its
 * outcome is never skipped and a crash repeats at most the uncommitted fan-out; the fan-out leases the new
 * deliveries that nothing holds back in the same write; (2) claim: other due deliveries are leased (per-recipient
 * order and the lease are the store's rule, see {@link WebhookStore#claim}), only when a claim may find one; (3) each is
 * POSTed on a virtual thread with {@link HttpPost} (timeout {@code webhooks.timeout}, no redirects), signed per
 * Standard Webhooks v1 ({@code webhook-id}, {@code webhook-timestamp}, {@code webhook-signature} with one
 * {@code v1,} signature per secret during a rotation); (4) the {@link DeliveryPolicy} decides, and the log row,
 * the delivery's state and the endpoint's failure time are committed together.
 *
 * <p>Delivery is at least once: a crash after the endpoint's 2xx and before the commit sends the event again
 * after the lease expires (at start-up this node frees its own leases), with the same {@code webhook-id}, which
 * receivers use to drop the repeat (Standard Webhooks, "idempotency").
 */
public final class WebhookDispatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WebhookDispatcher.class);
    private static final int FAN_OUT_BATCH = 500;
    private static final int RESPONSE_KEPT = 1024;

    private final WebhookStore store;
    private final DeliveryPolicy policy;
    private final Clock clock;
    private final String owner;
    private final Duration timeout;
    private final Duration pollInterval;
    private final int batchSize;
    private final HttpPost http;
    private final MeterRegistry metrics;
    private final MultiGauge pendingGauge;
    private final MultiGauge oldestGauge;
    private final Object signal = new Object();
    /** Attempt results not yet written (see {@link #recordQueued()}). */
    private final ConcurrentLinkedQueue<WebhookStore.Result> unrecorded = new ConcurrentLinkedQueue<>();
    private final ReentrantLock recording = new ReentrantLock();
    private final ConcurrentHashMap<String, StandardWebhookSignature> signers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, URI> uris = new ConcurrentHashMap<>();
    private boolean woken;
    /** A claim may find something (see {@link #fanOutAndClaim}). */
    private volatile boolean claimWanted = true;
    /** The fan-out left deliveries free since the dispatcher was last idle (they may wait for results). */
    private volatile boolean freeLeft;
    private long claimedAt;
    private volatile boolean running;
    private Thread loop;
    private long gaugesAt;

    public WebhookDispatcher(WebhookStore store, DeliveryPolicy policy, Clock clock, String owner, Duration timeout,
                             Duration pollInterval, int batchSize, MeterRegistry metrics) {
        this.store = store;
        this.policy = policy;
        this.clock = clock;
        this.owner = owner;
        this.timeout = timeout;
        this.pollInterval = pollInterval;
        this.batchSize = batchSize;
        this.metrics = metrics;
        this.http = new HttpPost();
        this.pendingGauge = MultiGauge.builder("rebound_webhook_pending").description("deliveries waiting per endpoint").register(metrics);
        this.oldestGauge = MultiGauge.builder("rebound_webhook_oldest_pending_age_seconds")
                .description("age of the oldest event still waiting per endpoint").register(metrics);
    }

    /** Frees this node's leases (a crashed run's) and starts the background loop. */
    public void start() {
        releaseLeases();
        running = true;
        loop = Thread.ofPlatform().daemon(true).name("rebound-webhooks").start(this::loop);
    }

    /** Frees this node's delivery leases (start-up after a crash; tests that drive {@link #runOnce()}). */
    public int releaseLeases() {
        return store.releaseLeases(owner);
    }

    /** Makes the loop look now, claim included (after an API change, a redelivery or a replay). */
    public void wake() {
        claimWanted = true;
        nudge();
    }

    /** Makes the loop look now (a slot freed). */
    private void nudge() {
        synchronized (signal) {
            woken = true;
            signal.notifyAll();
        }
    }

    /**
     * The service's loop: a pipeline rather than rounds. Up to {@code batchSize} deliveries are in flight; whenever
     * a quarter of the slots is free (or none is busy) it fans out and claims more, so one slow endpoint does not
     * hold up the others' next requests.
     */
    private void loop() {
        Semaphore slots = new Semaphore(batchSize);
        int refill = Math.max(1, batchSize / 4);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            while (running) {
                int claimed = 0;
                int free = slots.availablePermits();
                if (free >= refill || free == batchSize) {
                    try {
                        List<WebhookStore.Claimed> claims = fanOutAndClaim(free, free == batchSize);
                        claimed = claims.size();
                        for (WebhookStore.Claimed c : claims) {
                            slots.acquireUninterruptibly();
                            pool.submit(() -> {
                                try {
                                    deliver(c);
                                } catch (RuntimeException e) {
                                    log.warn("webhook delivery of {} to {} failed (its lease expires and it is retried): {}",
                                            c.event().id(), c.endpoint().id(), e.toString());
                                } finally {
                                    slots.release();
                                    if (slots.availablePermits() >= refill) nudge();
                                }
                            });
                        }
                        refreshGauges();
                    } catch (RuntimeException e) {
                        log.warn("webhook round failed (retrying after {}): {}", pollInterval, e.toString());
                    }
                }
                if (claimed > 0 && slots.availablePermits() >= refill) continue;
                synchronized (signal) {
                    if (!woken && running) {
                        try {
                            signal.wait(Math.max(1, pollInterval.toMillis()));
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                    woken = false;
                }
            }
        }
    }

    /**
     * Fans the outbox out (up to 20 batches: a later round continues a burst), leasing what can go at once up to
     * {@code free} (the store leases a new delivery in the fan-out's own write when nothing holds it back), then
     * claims due deliveries (retries, events that waited for an earlier one, deliveries of another node) for the
     * slots still free. The claim is a store write, so it runs only when it may find something: the fan-out left
     * deliveries free, the last claim was full, a result was recorded while free deliveries may wait for it, the
     * API asked ({@link #wake()}), or a poll interval passed (retries come due, other nodes' leases expire).
     *
     * @param idle nothing is in flight: a claim that finds less than it asks for then ends the wait for results
     */
    private List<WebhookStore.Claimed> fanOutAndClaim(int free, boolean idle) {
        List<WebhookStore.Claimed> claims = new ArrayList<>();
        boolean leftDue = false;
        for (int i = 0; i < 20; i++) {
            WebhookStore.FanOut f = store.fanOut(FAN_OUT_BATCH, EventTypes::wants, owner, free - claims.size(), lease());
            claims.addAll(f.claimed());
            leftDue |= f.leftDue();
            if (f.read() < FAN_OUT_BATCH) break;
        }
        if (leftDue) {
            freeLeft = true;
            claimWanted = true;
        }
        long now = System.nanoTime();
        int ask = free - claims.size();
        if (ask > 0 && (claimWanted || now - claimedAt >= pollInterval.toNanos())) {
            claimWanted = false; // before the claim: a result recorded meanwhile sets it again
            claimedAt = now;
            List<WebhookStore.Claimed> more = store.claim(owner, ask, lease());
            if (more.size() == ask) claimWanted = true;
            else if (idle && !leftDue) freeLeft = false;
            claims.addAll(more);
        }
        return claims;
    }

    private Duration lease() {
        return timeout.multipliedBy(2).plusSeconds(60);
    }

    /**
     * One attempt of a claimed delivery; its result is committed before the lease is given up (by this thread or
     * by a concurrent delivery's, see {@link #recordQueued()}).
     */
    private void deliver(WebhookStore.Claimed c) {
        unrecorded.add(attempt(c));
        recordQueued();
    }

    /**
     * Records the attempt results queued so far, one store write per batch: while one delivery's thread waits for
     * its write to commit, the results finished meanwhile queue up and go into the next write together (the
     * store's group commit then has one unit instead of one per event). Only one thread records at a time; a
     * thread that finds the recorder busy leaves its result to it, and the recorder looks at the queue again after
     * each write, so every result queued before a delivery's thread returns is recorded before the recorder
     * returns ({@link #runOnce()} relies on it). Until its result commits, a delivery keeps its lease and stays
     * PENDING, so it is not claimed again and a later event of its recipient still waits for it. A write that fails
     * leaves the batch's deliveries leased: they are attempted again when the leases expire (at least once).
     */
    private void recordQueued() {
        while (!unrecorded.isEmpty() && recording.tryLock()) {
            List<WebhookStore.Result> batch = new ArrayList<>();
            List<String> refused;
            try {
                for (WebhookStore.Result r; (r = unrecorded.poll()) != null; ) batch.add(r);
                if (batch.isEmpty()) continue;
                refused = store.record(batch).refused();
                if (freeLeft) claimWanted = true; // a delivery that waited for one of these may be due now
            } catch (RuntimeException e) {
                log.warn("{} webhook delivery results not recorded (their leases expire and they are retried): {}",
                        batch.size(), e.toString());
                continue;
            } finally {
                recording.unlock();
            }
            for (WebhookStore.Result r : batch) {
                if (refused.contains(r.attempt().eventId())) {
                    // this node was paused past the lease and another node took the delivery over: its result stands
                    metrics.counter("rebound_stale_results", "kind", "webhook").increment();
                    log.warn("stale webhook result refused by fencing: the lease of event {} to endpoint {} expired and another "
                            + "node claimed it; only the log row was written", r.attempt().eventId(), r.claimed().endpoint().id());
                    continue;
                }
                metrics.counter("rebound_webhook_deliveries", "result", switch (r.state()) {
                    case DELIVERED -> "delivered";
                    case PENDING -> "retrying";
                    case FAILED -> "failed";
                }).increment();
                if (r.disableReason().isPresent())
                    log.warn("webhook endpoint {} disabled: {}", r.claimed().endpoint().id(), r.disableReason().get());
            }
        }
    }

    /**
     * One round: fan out what the outbox has, then send every due delivery (up to the batch size) and wait for
     * their results to be committed. Returns the number of attempts made.
     */
    public int runOnce() {
        claimWanted = true; // a round claims whatever is due
        List<WebhookStore.Claimed> claims = fanOutAndClaim(batchSize, true);
        if (!claims.isEmpty()) {
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (WebhookStore.Claimed c : claims) pool.submit(() -> {
                    deliver(c);
                    return null;
                });
            }
        }
        refreshGauges();
        return claims.size();
    }

    /** One signed POST and its decision. */
    WebhookStore.Result attempt(WebhookStore.Claimed c) {
        WebhookStore.OutboxEvent ev = c.event();
        String type = EventTypes.publicType(ev).orElse(ev.type());
        byte[] body = WebhookBody.bytes(ev, type);
        String id = WebhookBody.webhookId(ev);
        Instant at = clock.instant();
        long ts = at.getEpochSecond();
        String signature = c.endpoint().signingSecrets(at).stream()
                .map(s -> signer(s).sign(id, ts, body)).collect(Collectors.joining(" "));
        int status = 0;
        String error = "";
        String response = "";
        long t0 = System.nanoTime();
        try {
            HttpPost.Response resp = http.post(uri(c.endpoint().url()), List.of(
                    Map.entry("Content-Type", "application/json"), Map.entry("User-Agent", "Rebound-Webhooks/1"),
                    Map.entry("webhook-id", id), Map.entry("webhook-timestamp", Long.toString(ts)),
                    Map.entry("webhook-signature", signature)), body, timeout, RESPONSE_KEPT);
            status = resp.status();
            response = new String(resp.body(), StandardCharsets.UTF_8);
        } catch (HttpTimeoutException | SocketTimeoutException e) {
            error = "no response within webhooks.timeout " + timeout;
        } catch (IOException | IllegalArgumentException e) {
            error = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        long latency = (System.nanoTime() - t0) / 1_000_000;
        int attemptNo = c.attempts() + 1;
        DeliveryPolicy.Decision d = policy.decide(attemptNo, status, error, c.endpoint().failingSince(), clock.instant());
        WebhookStore.Attempt a = new WebhookStore.Attempt(WebhookStore.newId(), c.endpoint().id(), ev.id(), attemptNo, at, status,
                latency, error, response);
        return new WebhookStore.Result(c, a, d.state(), d.next(), d.disableReason());
    }

    /** The parsed URL of an endpoint (a handful of endpoints; parsed once rather than per request). */
    private URI uri(String url) {
        if (uris.size() > 64) uris.clear();
        return uris.computeIfAbsent(url, URI::create);
    }

    /** The signer of a secret, kept while the endpoints use it (a handful: one or two secrets per endpoint). */
    private StandardWebhookSignature signer(String secret) {
        if (signers.size() > 64) signers.clear(); // rotated-away secrets do not pile up
        return signers.computeIfAbsent(secret, StandardWebhookSignature::new);
    }

    private synchronized void refreshGauges() {
        long now = System.nanoTime();
        if (now - gaugesAt < 1_000_000_000L && gaugesAt != 0) return;
        gaugesAt = now;
        List<MultiGauge.Row<?>> pending = new ArrayList<>();
        List<MultiGauge.Row<?>> oldest = new ArrayList<>();
        Instant at = clock.instant();
        for (WebhookStore.Pending p : store.pending()) {
            pending.add(MultiGauge.Row.of(Tags.of("endpoint", p.endpointId()), p.count()));
            oldest.add(MultiGauge.Row.of(Tags.of("endpoint", p.endpointId()),
                    p.oldestEventAt().map(t -> Math.max(0, Duration.between(t, at).toMillis() / 1000.0)).orElse(0.0)));
        }
        pendingGauge.register(pending, true);
        oldestGauge.register(oldest, true);
    }

    @Override
    public void close() {
        running = false;
        wake();
        if (loop != null) {
            try {
                loop.join(timeout.toMillis() + 5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        http.close();
    }
}
