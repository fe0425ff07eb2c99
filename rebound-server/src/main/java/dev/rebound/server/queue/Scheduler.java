package dev.rebound.server.queue;

import dev.rebound.core.classify.SmtpPhase;
import dev.rebound.core.policy.Attempt;
import dev.rebound.core.policy.ThrottleConfig;
import dev.rebound.core.policy.TokenBucket;
import dev.rebound.core.smtp.SmtpReply;
import dev.rebound.server.config.ReboundConfig;
import dev.rebound.server.decide.AttemptDecider;
import dev.rebound.server.decide.Suppressions;
import dev.rebound.server.decide.Verp;
import dev.rebound.server.delivery.DeliveryAgent;
import dev.rebound.server.delivery.DeliveryRequest;
import dev.rebound.server.delivery.RecipientResult;
import dev.rebound.server.store.AttemptRecord;
import dev.rebound.server.store.Claim;
import dev.rebound.server.store.MessageContent;
import dev.rebound.server.store.MessageView;
import dev.rebound.server.store.QueueStats;
import dev.rebound.server.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery loop. Each round leases the recipients due now (lease = owner node id + expiry, so a crashed
 * node's work comes back after the lease), groups them by (message, domain) so that one SMTP transaction
 * carries every recipient of a domain, and runs each group on a virtual thread once the domain's throttle
 * (the core {@code ThrottleController}, AIMD on the attempts' classifications) has a free slot; a group to a dead
 * domain, or over the domain's connection delay or message rate, is postponed without spending an attempt.
 * Each recipient's reply goes to the {@link AttemptDecider} (classification, then the next step), a final failure's
 * suppression is decided by {@link Suppressions} inside the write, and the attempts, recipient updates, events and suppressions of the group are written in one
 * store transaction, which also frees the leases.
 *
 * <p>Due times come from the injected {@link Clock}; the loop is woken by intake ({@link #wake()}) and
 * otherwise polls every {@code scheduler.poll-interval}. Tests drive it with {@link #runOnce()}.
 */
public final class Scheduler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Scheduler.class);

    private final Store store;
    private final DeliveryAgent agent;
    private final AttemptDecider decider;
    private final Suppressions suppressions;
    private final String bounceDomain;
    private final Clock clock;
    private final ReboundConfig.Scheduler config;
    private final DomainThrottle throttle;
    private final String owner;
    private final MeterRegistry metrics;
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean woken;
    private volatile boolean running;
    private volatile Thread loop;

    /**
     * @param messageRate  messages per second per recipient domain, when limited ({@code throttle.messages-per-second})
     * @param bounceDomain Rebound's return-path domain for VERP ({@code bounces.domain}), or "" to send with the
     *                     message's own sender
     */
    public Scheduler(Store store, DeliveryAgent agent, AttemptDecider decider, Suppressions suppressions, Clock clock,
                     ReboundConfig.Scheduler config, ThrottleConfig throttleConfig, Optional<TokenBucket> messageRate,
                     String bounceDomain, String owner, MeterRegistry metrics) {
        this.metrics = metrics;
        this.store = store;
        this.agent = agent;
        this.decider = decider;
        this.suppressions = suppressions;
        this.clock = clock;
        this.config = config;
        this.throttle = new DomainThrottle(throttleConfig, messageRate, clock);
        this.bounceDomain = bounceDomain == null ? "" : bounceDomain.toLowerCase(Locale.ROOT);
        this.owner = owner;
    }

    /** Frees this node's leases left by a previous run, then starts the loop. */
    public void start() {
        int released = store.releaseLeases(owner);
        if (released > 0) log.info("released {} leases left by a previous run of node {}", released, owner);
        running = true;
        loop = Thread.ofPlatform().name("rebound-scheduler").daemon(true).start(this::loop);
    }

    /** Frees this node's leases without starting the loop (tests). */
    public int releaseLeases() {
        return store.releaseLeases(owner);
    }

    /** Asks the loop to look for due work now (intake calls this after each commit). */
    public void wake() {
        // Cheap when a wake-up is already pending (every intake commit calls this): the loop clears the flag
        // before its next claim, and that claim sees every commit made before the flag was cleared.
        if (woken) return;
        woken = true;
        Thread t = loop;
        if (t != null) LockSupport.unpark(t);
    }

    /** One round, synchronously: claims what is due now, delivers it, records the results. Returns recipients tried. */
    public int runOnce() {
        if (!recordHeld()) return 0;
        List<Claim> claims = store.claimDue(owner, config.batchSize(), config.lease());
        List<Future<?>> running = dispatch(claims);
        for (Future<?> f : running) {
            try {
                f.get();
            } catch (Exception e) {
                throw new IllegalStateException("a delivery group failed: " + e.getMessage(), e);
            }
        }
        return claims.size();
    }

    /** The per-domain throttles of this node ({@code GET /v1/domains}). */
    public List<DomainStatus> domains() {
        return throttle.snapshot();
    }

    public QueueStats stats() {
        return store.queueStats();
    }

    /** Recipients currently being delivered by this node. */
    public int inFlight() {
        return inFlight.get();
    }

    private void loop() {
        while (running) {
            try {
                // Results the store did not take yet go first; nothing new is claimed while any is held.
                boolean clear = recordHeld();
                int room = config.batchSize() - inFlight.get();
                // A read first, so an idle queue costs no write transaction per poll.
                boolean due = store.nextDueAt().map(t -> !t.isAfter(clock.instant())).orElse(false);
                if (clear && room > 0 && due) {
                    List<Claim> claims = store.claimDue(owner, room, config.lease());
                    dispatch(claims);
                    if (claims.size() == room) continue; // more may be due
                }
            } catch (RuntimeException e) {
                if (running) log.error("scheduler round failed; retrying after {}", config.pollInterval(), e);
            }
            if (!woken && running) LockSupport.parkNanos(Math.max(1, config.pollInterval().toNanos()));
            if (Thread.interrupted()) return;
            woken = false;
        }
    }

    private List<Future<?>> dispatch(List<Claim> claims) {
        Map<String, List<Claim>> groups = new LinkedHashMap<>();
        // With VERP each recipient has its own envelope sender, hence its own transaction.
        for (Claim c : claims) groups.computeIfAbsent(c.messageId() + "\u0000" + c.domain()
                + (bounceDomain.isEmpty() ? "" : "\u0000" + c.recipientId()), k -> new ArrayList<>()).add(c);
        List<Future<?>> futures = new ArrayList<>(groups.size());
        for (List<Claim> group : groups.values()) {
            inFlight.addAndGet(group.size());
            futures.add(workers.submit(() -> {
                String domain = group.getFirst().domain();
                try {
                    Optional<Instant> dead = throttle.deadUntil(domain);
                    if (dead.isPresent()) {
                        // The throttle declared the domain dead: no connection until then, the attempt is not spent.
                        store.postpone(group.stream().map(Claim::recipientId).toList(), dead.get());
                        return;
                    }
                    throttle.acquire(domain);
                    try {
                        Optional<Instant> later = throttle.pace(domain);
                        if (later.isPresent()) {
                            // Over the domain's connection delay or message rate: due later, the attempt is not spent.
                            store.postpone(group.stream().map(Claim::recipientId).toList(), later.get());
                            return;
                        }
                        deliver(group);
                    } finally {
                        throttle.release(domain);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    log.error("delivery of message {} to {} failed; its leases expire after {}", group.getFirst().messageId(),
                            group.getFirst().domain(), config.lease(), e);
                } finally {
                    inFlight.addAndGet(-group.size());
                }
            }));
        }
        return futures;
    }

    private void deliver(List<Claim> group) {
        Claim first = group.getFirst();
        Optional<MessageContent> content = store.content(first.messageId());
        if (content.isEmpty()) throw new IllegalStateException("message " + first.messageId() + " is leased but not stored");
        MessageContent m = content.get();
        List<String> addresses = group.stream().map(Claim::address).toList();
        Instant started = clock.instant();
        List<RecipientResult> results;
        try {
            results = agent.deliver(new DeliveryRequest(m.id(), envelopeSender(m.mailFrom(), first), addresses, first.domain(), m.raw()));
        } catch (RuntimeException e) {
            log.error("delivery agent threw for message {} (it must not); deferring its recipients", m.id(), e);
            results = List.of();
        }
        Unrecorded delivered = new Unrecorded(group, m, results, started);
        List<AttemptRecord> records;
        try {
            records = records(delivered);
        } catch (RuntimeException e) {
            hold(delivered, e);
            return;
        }
        Instant now = clock.instant();
        for (AttemptRecord a : records) throttle.record(first.domain(), now, a.classification());
        try {
            store.recordAttempts(records, suppressions);
        } catch (RuntimeException e) {
            hold(delivered, e);
            return;
        }
        counted(records, group);
    }

    /**
     * A delivery whose results the store did not take (a store fault): kept in memory with the recipients' leases
     * still held, and recorded before this scheduler claims anything new. Releasing the leases instead would
     * send the message again to recipients that already have it.
     */
    private record Unrecorded(List<Claim> group, MessageContent message, List<RecipientResult> results, Instant started) {}

    private final java.util.concurrent.ConcurrentLinkedQueue<Unrecorded> unrecorded = new java.util.concurrent.ConcurrentLinkedQueue<>();

    private void hold(Unrecorded u, RuntimeException e) {
        unrecorded.add(u);
        log.warn("could not record the delivery results of message {} to {} ({}); kept with their leases, recorded before "
                + "anything new is claimed", u.message().id(), u.group().getFirst().domain(), e.getMessage());
    }

    /** Records the held delivery results, oldest first; true when none is left (then new work may be claimed). */
    private boolean recordHeld() {
        Unrecorded u;
        while ((u = unrecorded.peek()) != null) {
            List<AttemptRecord> records;
            try {
                records = records(u);
                store.recordAttempts(records, suppressions);
            } catch (RuntimeException e) {
                return false;
            }
            unrecorded.remove(u);
            counted(records, u.group());
            log.info("recorded the held delivery results of message {} to {}", u.message().id(), u.group().getFirst().domain());
        }
        return true;
    }

    /** Delivery results held because the store did not take them yet (see {@link Unrecorded}). */
    public int unrecordedResults() {
        return unrecorded.size();
    }

    private void counted(List<AttemptRecord> records, List<Claim> group) {
        java.util.Map<String, Instant> accepted = new java.util.HashMap<>();
        for (Claim c : group) accepted.put(c.recipientId(), c.messageCreatedAt());
        for (AttemptRecord a : records) {
            // issue 13: each attempt's result by the recipient's state after it and the reason's outcome family
            metrics.counter("rebound_outcomes", "outcome", a.newState().name(), "family", a.classification().reason().family().name()).increment();
            Instant at = accepted.get(a.recipientId());
            if (a.newState().isFinal() && at != null) {
                Timer.builder("rebound_delivery_latency").description("from acceptance to the final outcome by an attempt")
                        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(10)).maximumExpectedValue(Duration.ofDays(5))
                        .tag("outcome", a.newState().name()).register(metrics)
                        .record(Duration.between(at, a.decidedAt()).isNegative() ? Duration.ZERO : Duration.between(at, a.decidedAt()));
            }
            metrics.counter("rebound_attempts", "outcome", a.classification().outcome().name(), "decision", a.newState().name()).increment();
            // outbound TLS decisions by rule (a bounded set of ids): MTA-STS testing failures show up here, as TLSRPT would count them
            a.tls().ifPresent(t -> metrics.counter("rebound_tls_decisions", "rule", t.rule(), "verdict", t.verdict().name()).increment());
        }
    }

    /** One attempt record per claimed recipient (a recipient the agent gave no result for is deferred). */
    private List<AttemptRecord> records(Unrecorded u) {
        List<Claim> group = u.group();
        List<RecipientResult> results = u.results();
        Instant started = u.started();
        List<AttemptRecord> records = new ArrayList<>(group.size());
        Instant now = clock.instant();
        for (int i = 0; i < group.size(); i++) {
            Claim claim = group.get(i);
            RecipientResult r = i < results.size() && results.get(i).recipient().equalsIgnoreCase(claim.address())
                    ? results.get(i) : find(results, claim.address()).orElseGet(() -> new RecipientResult(claim.address(), SmtpPhase.NONE,
                    SmtpReply.of(451, "4.3.0 delivery agent gave no result for this recipient"), true, "", "", started,
                    Duration.between(started, clock.instant())));
            List<Attempt> earlier = claim.attemptCount() == 0 ? List.of()
                    : store.attempts(claim.recipientId()).stream().map(MessageView.AttemptView::attempt).toList();
            records.add(decider.decide(claim, u.message().stream(), r, earlier, now));
        }
        return records;
    }

    /**
     * The MAIL FROM of an attempt: with {@code bounces.domain} set, the VERP address
     * {@code bounces+<recipient-id>@<bounces.domain>} so that an asynchronous bounce names the recipient it is about
     * (the null reverse-path of a message that is itself a notification stays null).
     */
    String envelopeSender(String mailFrom, Claim claim) {
        if (bounceDomain.isEmpty() || mailFrom.isEmpty()) return mailFrom;
        return new Verp(claim.recipientId(), bounceDomain).address();
    }

    private static Optional<RecipientResult> find(List<RecipientResult> results, String address) {
        return results.stream().filter(r -> r.recipient().equalsIgnoreCase(address)).findFirst();
    }

    @Override
    public void close() {
        running = false;
        wake();
        if (loop != null) {
            try {
                loop.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        workers.shutdown();
        try {
            if (!workers.awaitTermination(10, TimeUnit.SECONDS)) workers.shutdownNow();
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
        if (!recordHeld())
            log.error("stopping with {} delivery results the store did not take; their recipients are attempted again after "
                    + "their leases ({}), so they may receive the message twice", unrecorded.size(), config.lease());
    }
}
