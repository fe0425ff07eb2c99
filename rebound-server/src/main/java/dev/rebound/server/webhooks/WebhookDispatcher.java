package dev.rebound.server.webhooks;

import dev.rebound.core.events.StandardWebhookSignature;
import dev.rebound.server.store.Claim;
import dev.rebound.server.store.WebhookStore;
import dev.rebound.server.store.WebhookStore.EndpointState;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the outbox to the endpoints, in two paths that share the request slots ({@code webhooks.batch-size}).
 *
 * <p><b>The stream</b> (new events). One node at a time holds the outbox's new events under a lease with a fencing
 * token ({@link WebhookStore#acquireStream}). The holder reads the events after its position with what each
 * subscribed endpoint needs ({@link WebhookStore#streamBatch}) and attempts them at once, in memory, in <i>lanes</i>:
 * one lane per (endpoint, order key), so a later event of a recipient is sent only after the earlier one's 2xx,
 * while other recipients go on. An attempt that fails ends its lane: the event becomes a delivery row with its retry
 * time and the events queued behind it become rows that wait for it (a <i>hand-off</i>); so does an event whose
 * order key already has a pending row, or whose endpoint is disabled. A success needs no row: its log row is the
 * record. Results, hand-offs and the stream's new position (the highest seq before which nothing is left in a lane)
 * are committed together ({@link WebhookStore#record(List, List, Optional)}), so an event committed with its outcome
 * is never skipped, and a crash repeats at most the events after the committed position (those already done are
 * recognised by their log or row, {@code hwm}). A holder whose lease was taken over (a node paused past it) finds
 * its commit refused by the fencing token and drops its lanes; the new holder goes on from the committed position.
 *
 * <p><b>Rows</b> (retries, events that waited, disabled endpoints' events once re-enabled, redeliveries, replays).
 * Due rows are leased by any node ({@link WebhookStore#claim}, per-recipient order and the lease are the store's
 * rule), only when a claim may find one. Both paths POST on virtual threads with {@link HttpPost} (timeout
 * {@code webhooks.timeout}, no redirects), signed per Standard Webhooks v1 ({@code webhook-id},
 * {@code webhook-timestamp}, {@code webhook-signature} with one {@code v1,} signature per secret during a rotation);
 * the {@link DeliveryPolicy} decides each result.
 *
 * <p>Delivery is at least once: a crash after the endpoint's 2xx and before the commit sends the event again (at
 * start-up this node frees its own leases; another node takes an expired one over), with the same
 * {@code webhook-id}, which receivers use to drop the repeat (Standard Webhooks, "idempotency").
 */
public final class WebhookDispatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WebhookDispatcher.class);
    private static final int READ_BATCH = 500;
    private static final int RESPONSE_KEPT = 1024;

    private final WebhookStore store;
    private final DeliveryPolicy policy;
    private final Clock clock;
    private final String owner;
    private final Duration timeout;
    private final Duration pollInterval;
    private final int batchSize;
    /** Stream items held in memory at most (read stops there until lanes drain). */
    private final int maxInMemory;
    private final HttpPost http;
    private final MeterRegistry metrics;
    private final MultiGauge pendingGauge;
    private final MultiGauge oldestGauge;
    private final Semaphore slots;
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Attempts made (what {@link #runOnce()} returns the growth of). */
    private final AtomicInteger attempts = new AtomicInteger();
    private final Object signal = new Object();
    private final ConcurrentHashMap<String, StandardWebhookSignature> signers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, URI> uris = new ConcurrentHashMap<>();

    // ---- state guarded by `lock` --------------------------------------------------------------------------
    private final ReentrantLock lock = new ReentrantLock();
    /** The stream held by this node, or null. */
    private WebhookStore.Stream stream;
    /** Bumped whenever the stream is dropped: results of an older generation are ignored. */
    private long generation;
    /** Last outbox seq read by this holder. */
    private long readSeq;
    /** The position last committed (or acquired). */
    private long committedCursor;
    /** Highest seq of a result or hand-off queued for commit. */
    private long resolvedHwm;
    private final Map<String, Lane> lanes = new HashMap<>();
    /** Seqs of the items still in lanes (a multiset: an event may be in one lane per endpoint). */
    private final TreeMap<Long, Integer> outstanding = new TreeMap<>();
    private int inMemory;
    /** The last read stopped at {@link #maxInMemory}. */
    private boolean readBlocked;
    /** Lane heads waiting for a request slot. */
    private final ArrayDeque<Item> ready = new ArrayDeque<>();
    /** Results and hand-offs not yet committed, and the lanes spilled into them. */
    private List<WebhookStore.Result> results = new ArrayList<>();
    private List<WebhookStore.Handoff> handoffs = new ArrayList<>();
    private List<String> spilled = new ArrayList<>();
    /** Counts commits; a spilled lane's key is stamped with the count after its rows' commit (see {@link #offer}). */
    private long commits;
    private final Map<String, Long> spilledAt = new HashMap<>();
    private Map<String, WebhookStore.Endpoint> endpoints = Map.of();
    // ---------------------------------------------------------------------------------------------------------

    private final ReentrantLock recording = new ReentrantLock();
    /** How long the recorder lets results gather before a commit (one write per batch rather than per event). */
    private static final long LINGER_NANOS = 10_000_000L;
    private final Object recordSignal = new Object();
    private boolean recordRequested;
    private Thread recorder;
    /** A claim may find something (see {@link #claimRows}). */
    private volatile boolean claimWanted = true;
    private long claimedAt;
    private long acquireTriedAt;
    private long renewedAt;
    private long movedAt;
    private volatile boolean running;
    private Thread loop;
    private ExecutorService pool;
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
        this.maxInMemory = Math.max(4 * READ_BATCH, 16 * batchSize);
        this.slots = new Semaphore(batchSize);
        this.metrics = metrics;
        this.http = new HttpPost();
        this.pendingGauge = MultiGauge.builder("rebound_webhook_pending").description("deliveries waiting per endpoint").register(metrics);
        this.oldestGauge = MultiGauge.builder("rebound_webhook_oldest_pending_age_seconds")
                .description("age of the oldest event still waiting per endpoint").register(metrics);
    }

    /** One event for one endpoint in a lane. */
    private record Item(WebhookStore.Endpoint endpoint, WebhookStore.OutboxEvent event, String key, long generation) {}

    /** The in-memory queue of one (endpoint, order key): its head is being sent or waits for a slot. */
    private static final class Lane {
        final ArrayDeque<Item> items = new ArrayDeque<>();
        boolean spilled;
    }

    /** Frees this node's leases (a crashed run's) and starts the background loop. */
    public void start() {
        releaseLeases();
        running = true;
        // virtual threads: a POST blocked on its response parks (the JDK's poller re-arms epoll) instead of blocking an OS
        // thread, whose wake-up per response would preempt the relay's carriers (measured in docs/benchmarks.md)
        pool = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("rebound-webhook-", 0).factory());
        recorder = Thread.ofPlatform().daemon(true).name("rebound-webhooks-recorder").start(this::recorderLoop);
        loop = Thread.ofPlatform().daemon(true).name("rebound-webhooks").start(this::loop);
    }

    /** Frees this node's delivery and stream leases (start-up after a crash; tests that drive {@link #runOnce()}). */
    public int releaseLeases() {
        dropStream("its leases were released");
        return store.releaseLeases(owner);
    }

    /** Makes the loop look now, claim included (after an API change, a redelivery or a replay). */
    public void wake() {
        claimWanted = true;
        nudge();
    }

    private void nudge() {
        synchronized (signal) {
            signal.notifyAll();
        }
    }

    /**
     * The service's loop: holds (or tries to take) the stream, reads new events while lanes have room, starts lane
     * heads and due rows while request slots are free, and waits a poll interval (or a nudge) when nothing is left.
     */
    private void loop() {
        while (running) {
            int read = 0;
            try {
                holdStream();
                read = readStream();
                startReady(pool);
                claimRows(pool);
                refreshGauges();
            } catch (RuntimeException e) {
                log.warn("webhook round failed (retrying after {}): {}", pollInterval, e.toString());
            }
            if (read == READ_BATCH) continue;
            synchronized (signal) {
                if (!running) return;
                try {
                    signal.wait(Math.max(1, pollInterval.toMillis()));
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /**
     * One round for tests and tools: takes the stream if free, sends every new event (lane by lane, until the lanes
     * are empty) and every due row (up to the batch size), and returns once all their results are committed.
     * Returns the number of attempts made.
     */
    public int runOnce() {
        claimWanted = true; // a round claims whatever is due
        int before = attempts.get();
        try (ExecutorService runPool = Executors.newVirtualThreadPerTaskExecutor()) {
            acquireTriedAt = 0;
            holdStream();
            while (readStream() > 0) {
                startReady(runPool);
                awaitIdle(runPool);
            }
            startReady(runPool);
            awaitIdle(runPool);
            claimRows(runPool);
            awaitIdle(runPool);
        }
        recordQueued();
        refreshGauges();
        return attempts.get() - before;
    }

    /**
     * Waits (runOnce only) until nothing is in flight and no lane head waits. (Lock order: {@code lock} may be held
     * while taking {@code signal}, never the other way round.)
     */
    private void awaitIdle(ExecutorService runPool) {
        while (true) {
            startReady(runPool);
            boolean idle;
            lock.lock();
            try {
                idle = ready.isEmpty() && inFlight.get() == 0;
            } finally {
                lock.unlock();
            }
            if (idle) return;
            synchronized (signal) {
                if (inFlight.get() == 0) continue; // a head waits for a slot: start it
                try {
                    signal.wait(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    // ---- the stream ---------------------------------------------------------------------------------------

    private Duration lease() {
        return timeout.multipliedBy(2).plusSeconds(60);
    }

    /** Takes the stream when nobody holds it (at most every few seconds), and renews this node's lease in time. */
    private void holdStream() {
        long now = System.nanoTime();
        WebhookStore.Stream s;
        lock.lock();
        try {
            s = stream;
        } finally {
            lock.unlock();
        }
        if (s == null) {
            if (now - acquireTriedAt < Math.max(pollInterval.toNanos(), 5_000_000_000L) && acquireTriedAt != 0) return;
            acquireTriedAt = now;
            Optional<WebhookStore.Stream> got = store.acquireStream(owner, lease());
            if (got.isEmpty()) return;
            lock.lock();
            try {
                stream = got.get();
                generation++;
                readSeq = got.get().cursor();
                committedCursor = readSeq;
                resolvedHwm = 0;
            } finally {
                lock.unlock();
            }
            renewedAt = now;
            movedAt = now;
            log.info("webhook stream taken from outbox position {} (lease version {})", got.get().cursor(), got.get().lease().version());
        } else if (now - renewedAt > lease().toNanos() / 3) {
            renewedAt = now;
            if (!store.renewStream(s.lease(), lease())) dropStream("its lease was taken over by another node");
        }
    }

    /** Forgets the stream and its lanes (their events are sent by the next holder, from the committed position). */
    private void dropStream(String why) {
        lock.lock();
        try {
            if (stream == null) return;
            log.warn("webhook stream dropped at outbox position {}: {}", committedCursor, why);
            stream = null;
            generation++;
            lanes.clear();
            outstanding.clear();
            inMemory = 0;
            ready.clear();
            results.removeIf(r -> r.claimed().direct());
            handoffs.clear();
            spilled.clear();
            spilledAt.clear();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Reads one batch of new events (when this node holds the stream and the lanes have room) and offers each to
     * its lane. With no endpoint at all, the position just follows the end of the outbox (an endpoint created later
     * starts there). Returns the number of events read.
     */
    private int readStream() {
        long after, hwm, gen, probe;
        boolean commit;
        lock.lock();
        try {
            if (stream == null) return 0;
            if (inMemory >= maxInMemory) {
                readBlocked = true; // release() nudges the loop once the lanes have drained to half
                return 0;
            }
            after = readSeq;
            hwm = Math.max(stream.hwm(), resolvedHwm);
            gen = generation;
            probe = commits;
        } finally {
            lock.unlock();
        }
        WebhookStore.StreamBatch b = store.streamBatch(after, hwm, READ_BATCH, EventTypes::wants);
        lock.lock();
        try {
            if (gen != generation) return 0;
            endpoints = b.endpoints().stream().collect(Collectors.toMap(WebhookStore.Endpoint::id, e -> e, (x, y) -> x, LinkedHashMap::new));
            readSeq = Math.max(readSeq, b.last());
            for (WebhookStore.Offer o : b.offers()) offer(o, probe);
            spilledAt.values().removeIf(at -> at <= probe);
            // hand-offs go at once; a position moved without results (events no endpoint wants) within a poll interval
            commit = !handoffs.isEmpty() || (cursor() != committedCursor && System.nanoTime() - movedAt > pollInterval.toNanos());
        } finally {
            lock.unlock();
        }
        if (commit) resultQueued();
        return b.read();
    }

    /**
     * Puts one offered event in its lane (under the lock): behind the lane's items; as a hand-off when the lane
     * spilled, when the store has a pending row of its key (or had one committed by this node since the batch was
     * read, {@code probe}), or when the endpoint is disabled or failing (its retries pace it: a down endpoint does not
     * hold request slots with every new event); else in a new lane, ready to send.
     */
    private void offer(WebhookStore.Offer o, long probe) {
        String key = o.endpoint().id() + '\n' + o.event().orderKey();
        Item item = new Item(o.endpoint(), o.event(), key, generation);
        Lane lane = lanes.get(key);
        if (lane != null && !lane.spilled) {
            lane.items.add(item);
            hold(item);
            return;
        }
        if (lane != null || o.waits() || spilledAt.getOrDefault(key, Long.MIN_VALUE) > probe
                || o.endpoint().state() != EndpointState.ENABLED || o.endpoint().failingSince().isPresent()) {
            handOff(item);
            return;
        }
        lane = new Lane();
        lane.items.add(item);
        lanes.put(key, lane);
        hold(item);
        ready.add(item);
    }

    private void hold(Item item) {
        outstanding.merge(item.event().seq(), 1, Integer::sum);
        inMemory++;
    }

    private void release(Item item) {
        outstanding.computeIfPresent(item.event().seq(), (k, n) -> n == 1 ? null : n - 1);
        inMemory--;
        if (readBlocked && inMemory <= maxInMemory / 2) {
            readBlocked = false;
            nudge();
        }
    }

    private void handOff(Item item) {
        handoffs.add(new WebhookStore.Handoff(item.endpoint().id(), item.event()));
        resolvedHwm = Math.max(resolvedHwm, item.event().seq());
    }

    /** The position to commit: before the first event still in a lane, else the last one read. */
    private long cursor() {
        return outstanding.isEmpty() ? readSeq : Math.min(readSeq, outstanding.firstKey() - 1);
    }

    /** Starts lane heads while request slots are free. */
    private void startReady(ExecutorService executor) {
        while (true) {
            Item next;
            lock.lock();
            try {
                if (ready.isEmpty() || !slots.tryAcquire()) return;
                next = ready.poll();
            } finally {
                lock.unlock();
            }
            inFlight.incrementAndGet();
            try {
                executor.submit(() -> run(next));
            } catch (RuntimeException e) {
                inFlight.decrementAndGet();
                slots.release();
                throw e;
            }
        }
    }

    /**
     * A request slot's work: sends an item, then its lane's next item or another lane's head while there is one,
     * its results committed by the recorder (see {@link #resultQueued()}).
     */
    private void run(Item first) {
        try {
            for (Item item = first; item != null; ) {
                item = sendItem(item);
                resultQueued();
                if (item == null) {
                    lock.lock();
                    try {
                        item = ready.poll();
                    } finally {
                        lock.unlock();
                    }
                }
            }
        } catch (RuntimeException e) {
            log.warn("webhook stream delivery failed (the stream is taken again from its committed position): {}", e.toString());
            dropStream(e.toString());
        } finally {
            inFlight.decrementAndGet();
            slots.release();
            nudge();
        }
    }

    /** Sends one lane item and settles its lane; returns the lane's next item to send on this slot, if any. */
    private Item sendItem(Item item) {
        WebhookStore.Endpoint ep;
        Claim.Lease streamLease;
        lock.lock();
        try {
            if (item.generation() != generation || stream == null) return null;
            ep = endpoints.getOrDefault(item.endpoint().id(), null);
            streamLease = stream.lease();
            if (ep == null || ep.state() != EndpointState.ENABLED) {
                spill(item.key(), ep == null); // disabled (or deleted) since the batch was read
                return null;
            }
        } finally {
            lock.unlock();
        }
        WebhookStore.Result r = attempt(new WebhookStore.Claimed(ep, item.event(), 0, streamLease, true));
        lock.lock();
        try {
            if (item.generation() != generation) return null;
            Lane lane = lanes.get(item.key());
            results.add(r);
            resolvedHwm = Math.max(resolvedHwm, item.event().seq());
            if (lane == null || lane.items.peek() != item) return null;
            lane.items.poll();
            release(item);
            if (r.state() == WebhookStore.DeliveryState.DELIVERED) {
                if (lane.items.isEmpty()) {
                    lanes.remove(item.key());
                    return null;
                }
                return lane.items.peek();
            }
            spill(item.key(), false);
            return null;
        } finally {
            lock.unlock();
        }
    }

    /** Ends a lane (under the lock): its items become hand-offs (dropped for a deleted endpoint). */
    private void spill(String key, boolean drop) {
        Lane lane = lanes.get(key);
        if (lane == null || lane.spilled) return;
        for (Item i : lane.items) {
            release(i);
            if (!drop) handOff(i);
        }
        lane.items.clear();
        lane.spilled = true;
        spilled.add(key);
    }

    // ---- rows ---------------------------------------------------------------------------------------------

    /**
     * Claims due delivery rows for the free request slots. The claim is a store write, so it runs only when it may
     * find something: the stream handed events off, the last claim was full, a result was recorded while rows may
     * wait for it, the API asked ({@link #wake()}), or a poll interval passed (retries come due, leases expire).
     */
    private void claimRows(ExecutorService executor) {
        long now = System.nanoTime();
        int free = slots.availablePermits();
        if (free <= 0 || !(claimWanted || now - claimedAt >= pollInterval.toNanos())) return;
        claimWanted = false; // before the claim: a result recorded meanwhile sets it again
        claimedAt = now;
        List<WebhookStore.Claimed> claims = store.claim(owner, free, lease());
        if (claims.size() == free) claimWanted = true;
        for (WebhookStore.Claimed c : claims) {
            slots.acquireUninterruptibly();
            inFlight.incrementAndGet();
            executor.submit(() -> {
                try {
                    WebhookStore.Result r = attempt(c);
                    lock.lock();
                    try {
                        results.add(r);
                    } finally {
                        lock.unlock();
                    }
                    resultQueued();
                } catch (RuntimeException e) {
                    log.warn("webhook delivery of {} to {} failed (its lease expires and it is retried): {}",
                            c.event().id(), c.endpoint().id(), e.toString());
                } finally {
                    inFlight.decrementAndGet();
                    slots.release();
                    nudge();
                }
            });
        }
    }

    // ---- commits ------------------------------------------------------------------------------------------

    /**
     * A result or hand-off was queued: the recorder thread commits it after a short linger (with the service's
     * loop), or this thread commits at once (rounds driven by {@link #runOnce()}).
     */
    private void resultQueued() {
        if (recorder == null) {
            recordQueued();
            return;
        }
        synchronized (recordSignal) {
            if (recordRequested) return;
            recordRequested = true;
            recordSignal.notifyAll();
        }
    }

    /** The recorder thread: waits for a queued result, lets others gather for {@link #LINGER_NANOS}, commits them. */
    private void recorderLoop() {
        while (true) {
            synchronized (recordSignal) {
                while (!recordRequested && running) {
                    try {
                        recordSignal.wait(1_000);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (!recordRequested && !running) return;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(LINGER_NANOS);
            synchronized (recordSignal) {
                recordRequested = false;
            }
            try {
                recordQueued();
            } catch (RuntimeException e) {
                log.warn("webhook results not recorded: {}", e.toString());
            }
        }
    }

    /**
     * Commits the results and hand-offs queued so far with the stream's position, one store write per batch: while
     * one thread's write commits, the results finished meanwhile queue up and go into the next write together. Only
     * one thread records at a time; a thread that finds the recorder busy leaves its results to it, and the recorder
     * looks again after each write, so everything queued before a thread returns is committed before the recorder
     * returns ({@link #runOnce()} relies on it). A failed write drops the stream (its events are sent again from
     * the committed position) and leaves the rows' deliveries leased (retried when their leases expire).
     */
    private void recordQueued() {
        while (recording.tryLock()) {
            List<WebhookStore.Result> batch;
            List<WebhookStore.Handoff> off;
            List<String> spilledKeys;
            Optional<WebhookStore.StreamMove> move = Optional.empty();
            long cursor = 0, gen;
            try {
                lock.lock();
                try {
                    gen = generation;
                    if (stream != null) {
                        cursor = cursor();
                        if (cursor != committedCursor || !results.isEmpty() || !handoffs.isEmpty())
                            move = Optional.of(new WebhookStore.StreamMove(stream.lease(), cursor, resolvedHwm));
                    }
                    if (results.isEmpty() && handoffs.isEmpty() && move.isEmpty()) return;
                    batch = results;
                    off = handoffs;
                    spilledKeys = spilled;
                    results = new ArrayList<>();
                    handoffs = new ArrayList<>();
                    spilled = new ArrayList<>();
                } finally {
                    lock.unlock();
                }
                WebhookStore.Recorded rec;
                try {
                    rec = store.record(batch, off, move);
                } catch (RuntimeException e) {
                    log.warn("{} webhook results not recorded (the stream is taken again from its committed position; "
                            + "claimed deliveries are retried when their leases expire): {}", batch.size(), e.toString());
                    dropStream("a commit failed: " + e);
                    continue;
                }
                if (!batch.isEmpty()) claimWanted = true; // a row that waited for one of these may be due now
                lock.lock();
                try {
                    commits++;
                    if (gen == generation && move.isPresent()) {
                        committedCursor = cursor;
                        movedAt = System.nanoTime();
                    }
                    for (String key : spilledKeys) {
                        Lane lane = lanes.get(key);
                        if (lane != null && lane.spilled) lanes.remove(key);
                        spilledAt.put(key, commits);
                    }
                } finally {
                    lock.unlock();
                }
                if (rec.streamLost()) dropStream("its lease was taken over by another node (commit refused by fencing)");
                count(batch, rec.refused());
            } finally {
                recording.unlock();
            }
        }
    }

    private void count(List<WebhookStore.Result> batch, List<String> refused) {
        for (WebhookStore.Result r : batch) {
            if (refused.contains(r.attempt().eventId())) {
                // this node was paused past the lease and another node took the delivery over: its result stands
                metrics.counter("rebound_stale_results", "kind", "webhook").increment();
                log.warn("stale webhook result refused by fencing: the lease of event {} to endpoint {} expired and another "
                        + "node took it; only the log row was written", r.attempt().eventId(), r.claimed().endpoint().id());
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

    // ---- one attempt --------------------------------------------------------------------------------------

    /** One signed POST and its decision. */
    WebhookStore.Result attempt(WebhookStore.Claimed c) {
        attempts.incrementAndGet();
        WebhookStore.OutboxEvent ev = c.event();
        String type = EventTypes.publicType(ev).orElse(ev.type());
        byte[] body = WebhookBody.bytes(ev, type);
        String id = WebhookBody.webhookId(ev);
        Instant at = clock.instant();
        long ts = at.getEpochSecond();
        List<String> secrets = c.endpoint().signingSecrets(at);
        String signature = signer(secrets.getFirst()).sign(id, ts, body);
        for (int i = 1; i < secrets.size(); i++) signature += " " + signer(secrets.get(i)).sign(id, ts, body);
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

    /**
     * The pending gauges, at most once a second: the store's pending rows plus this node's events in lanes, and the
     * age of the oldest of them.
     */
    private void refreshGauges() {
        long now = System.nanoTime();
        synchronized (this) {
            if (now - gaugesAt < 1_000_000_000L && gaugesAt != 0) return;
            gaugesAt = now;
        }
        Map<String, long[]> inLanes = new HashMap<>(); // endpoint -> {count, oldest created millis}
        lock.lock();
        try {
            for (Lane lane : lanes.values())
                for (Item i : lane.items) {
                    long[] v = inLanes.computeIfAbsent(i.endpoint().id(), k -> new long[] {0, Long.MAX_VALUE});
                    v[0]++;
                    v[1] = Math.min(v[1], i.event().createdAt().toEpochMilli());
                }
        } finally {
            lock.unlock();
        }
        List<MultiGauge.Row<?>> pending = new ArrayList<>();
        List<MultiGauge.Row<?>> oldest = new ArrayList<>();
        Instant at = clock.instant();
        for (WebhookStore.Pending p : store.pending()) {
            long[] mem = inLanes.getOrDefault(p.endpointId(), new long[] {0, Long.MAX_VALUE});
            long oldestMillis = Math.min(mem[1], p.oldestEventAt().map(Instant::toEpochMilli).orElse(Long.MAX_VALUE));
            pending.add(MultiGauge.Row.of(Tags.of("endpoint", p.endpointId()), p.count() + mem[0]));
            oldest.add(MultiGauge.Row.of(Tags.of("endpoint", p.endpointId()),
                    oldestMillis == Long.MAX_VALUE ? 0.0 : Math.max(0, at.toEpochMilli() - oldestMillis) / 1000.0));
        }
        pendingGauge.register(pending, true);
        oldestGauge.register(oldest, true);
    }

    @Override
    public void close() {
        running = false;
        nudge();
        synchronized (recordSignal) {
            recordSignal.notifyAll();
        }
        if (loop != null) {
            try {
                loop.join(timeout.toMillis() + 5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (pool != null) {
            pool.shutdown();
            boolean finished = false;
            try {
                finished = pool.awaitTermination(timeout.toMillis() + 5_000, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (recorder != null) {
                try {
                    recorder.join(5_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            recordQueued();
            // a stopping node gives the stream and its leases back at once, rather than making another node wait
            // for their expiry; only when nothing is in flight any more (a send still running keeps its lease)
            if (finished) {
                try {
                    store.releaseLeases(owner);
                } catch (RuntimeException e) {
                    log.warn("webhook leases of {} not released at stop (they expire instead): {}", owner, e.toString());
                }
            }
        }
        http.close();
    }
}
