package dev.rebound.server.queue;

import dev.rebound.core.classify.Classification;
import dev.rebound.core.policy.ThrottleConfig;
import dev.rebound.core.policy.ThrottleController;
import dev.rebound.core.policy.ThrottleDecision;
import dev.rebound.core.policy.ThrottleEvent;
import dev.rebound.core.policy.ThrottleState;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Applies the core {@link ThrottleController}'s per-domain decisions: how many transactions may run at once to
 * a domain, and whether the domain is dead (no connection before {@code deadUntil}). The state lives in memory
 * per node; it starts afresh at each start, as Postfix's queue manager does.
 * (Not applied yet: the controller's minimum delay between connections and its token bucket.)
 */
final class DomainThrottle {
    private final ThrottleConfig config;
    private final Clock clock;
    private final Map<String, Gate> gates = new ConcurrentHashMap<>();

    DomainThrottle(ThrottleConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
    }

    /** Per-domain state and the count of transactions in flight, guarded by one lock. */
    private final class Gate {
        final ReentrantLock lock = new ReentrantLock();
        final Condition slotFree = lock.newCondition();
        ThrottleState state;
        int limit;
        int inFlight;

        Gate(String domain) {
            state = ThrottleState.initial(domain, config, clock.instant());
            limit = state.concurrency();
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
