package dev.rebound.server.queue;

import dev.rebound.core.classify.Classification;
import dev.rebound.core.policy.ThrottleConfig;
import dev.rebound.core.policy.ThrottleController;
import dev.rebound.core.policy.ThrottleDecision;
import dev.rebound.core.policy.ThrottleEvent;
import dev.rebound.core.policy.ThrottleState;
import dev.rebound.core.policy.TokenBucket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Applies the core {@link ThrottleController}'s per-domain decisions: how many transactions may run at once to
 * a domain, whether the domain is dead (no connection before {@code deadUntil}), the minimum delay between two
 * transactions to it ({@link ThrottleState#connectionDelay()}, widened when the controller halves concurrency),
 * and, when configured, the core {@link TokenBucket} of messages per second. The state lives in memory per node;
 * it starts afresh at each start, as Postfix's queue manager does.
 *
 * <p>Pacing ({@link #pace}) is asked once a slot is held, just before a transaction: a group over the delay or
 * the rate is not delivered but postponed (the scheduler moves its due time, no attempt is spent), like
 * Postfix's {@code default_destination_rate_delay}. Groups refused one after another are spread one interval
 * apart, so a backlog does not come back all at the same instant.
 */
final class DomainThrottle {
    private final ThrottleConfig config;
    private final Optional<TokenBucket> rate;
    private final Clock clock;
    private final Map<String, Gate> gates = new ConcurrentHashMap<>();

    /** Without a message-rate limit. */
    DomainThrottle(ThrottleConfig config, Clock clock) {
        this(config, Optional.empty(), clock);
    }

    /** @param rate messages per second per domain, if limited */
    DomainThrottle(ThrottleConfig config, Optional<TokenBucket> rate, Clock clock) {
        this.config = config;
        this.rate = rate;
        this.clock = clock;
    }

    /** Per-domain state and the count of transactions in flight, guarded by one lock. */
    private final class Gate {
        final ReentrantLock lock = new ReentrantLock();
        final Condition slotFree = lock.newCondition();
        ThrottleState state;
        int limit;
        int inFlight;
        /** When the last transaction was let through. */
        Instant lastStart;
        /** The latest instant a refused group was postponed to. */
        Instant lastPostponedTo;
        TokenBucket.State bucket;

        Gate(String domain) {
            Instant now = clock.instant();
            state = ThrottleState.initial(domain, config, now);
            limit = state.concurrency();
            bucket = rate.map(b -> b.full(now)).orElse(null);
        }
    }

    private Gate gate(String domain) {
        return gates.computeIfAbsent(domain, Gate::new);
    }

    /** When the domain is dead: the instant before which no connection may be opened. */
    Optional<Instant> deadUntil(String domain) {
        Gate g = gate(domain);
        g.lock.lock();
        try {
            return g.state.deadUntil().filter(t -> t.isAfter(clock.instant()));
        } finally {
            g.lock.unlock();
        }
    }

    /**
     * Whether one transaction (one message) to {@code domain} may start now: empty = yes (the start is recorded
     * and a token taken), else the instant to postpone it to. Call while holding a slot ({@link #acquire}).
     */
    Optional<Instant> pace(String domain) {
        Gate g = gate(domain);
        g.lock.lock();
        try {
            Instant now = clock.instant();
            Duration delay = g.state.connectionDelay();
            Instant notBefore = now;
            if (g.lastStart != null && delay.isPositive() && g.lastStart.plus(delay).isAfter(now)) notBefore = g.lastStart.plus(delay);
            if (!notBefore.isAfter(now) && rate.isPresent()) {
                TokenBucket.Take take = rate.get().tryTake(g.bucket, now);
                g.bucket = take.newState();
                if (!take.allowed()) notBefore = take.waitUntil();
            }
            if (!notBefore.isAfter(now)) {
                g.lastStart = now;
                return Optional.empty();
            }
            Duration step = rate.map(b -> Duration.ofNanos(b.intervalNanos())).orElse(Duration.ZERO);
            if (delay.compareTo(step) > 0) step = delay;
            if (g.lastPostponedTo != null && !notBefore.isAfter(g.lastPostponedTo)) notBefore = g.lastPostponedTo.plus(step);
            g.lastPostponedTo = notBefore;
            return Optional.of(notBefore);
        } finally {
            g.lock.unlock();
        }
    }

    /** Blocks until a transaction to {@code domain} may start. */
    void acquire(String domain) throws InterruptedException {
        Gate g = gate(domain);
        g.lock.lock();
        try {
            while (g.inFlight >= g.limit) g.slotFree.await();
            g.inFlight++;
        } finally {
            g.lock.unlock();
        }
    }

    void release(String domain) {
        Gate g = gate(domain);
        g.lock.lock();
        try {
            g.inFlight--;
            g.slotFree.signalAll();
        } finally {
            g.lock.unlock();
        }
    }

    /** Feeds one attempt's classification to the controller; returns the decision (for logs and metrics). */
    ThrottleDecision record(String domain, Instant at, Classification c) {
        Gate g = gate(domain);
        g.lock.lock();
        try {
            ThrottleDecision d = ThrottleController.standard().apply(g.state, ThrottleEvent.fromClassification(at, c), config);
            g.state = d.state();
            g.limit = d.concurrencyLimit();
            g.slotFree.signalAll();
            return d;
        } finally {
            g.lock.unlock();
        }
    }

    /** Every domain this node has a throttle for, by name. */
    java.util.List<DomainStatus> snapshot() {
        Instant now = clock.instant();
        java.util.List<DomainStatus> out = new java.util.ArrayList<>();
        for (Map.Entry<String, Gate> e : new java.util.TreeMap<>(gates).entrySet()) {
            Gate g = e.getValue();
            g.lock.lock();
            try {
                out.add(new DomainStatus(e.getKey(), g.limit, g.inFlight, g.state.connectionDelay(),
                        g.state.deadUntil().filter(t -> t.isAfter(now)), g.state.consecutiveConnectionFailures(), g.state.updatedAt()));
            } finally {
                g.lock.unlock();
            }
        }
        return out;
    }

    int limit(String domain) {
        Gate g = gate(domain);
        g.lock.lock();
        try {
            return g.limit;
        } finally {
            g.lock.unlock();
        }
    }
}
