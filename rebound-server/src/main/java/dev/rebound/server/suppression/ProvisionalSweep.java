package dev.rebound.server.suppression;

import dev.rebound.server.store.Promotions;
import dev.rebound.server.store.Store;
import dev.rebound.server.store.SuppressionDecider;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends provisional reviews. A recipient-gone hard bounce at a domain the circuit breaker cannot judge yet (fewer than
 * {@code suppression.policy.breaker-min-recipients} recipients in its window) is a {@code REVIEW} with rule
 * {@code suppress.provisional.hard} for {@code suppression.policy.provisional-hold}: it may be the first failure of a
 * domain outage (in a burst, the first failures are decided before the domain's counts reach the breaker's minimum).
 * Every {@link #PERIOD} this sweep asks the store to decide each one whose hold has ended again, with the same pure
 * decider, over the history up to the end of the hold and the domain's counts of the window ending there
 * ({@link Store#sweepProvisional}): it becomes {@code SUPPRESSED} ({@code suppress.hard.<reason>}), stays a review as the
 * breaker's ({@code suppress.breaker.hard}), or is lifted. Since the decision's clock is the end of the hold, not the
 * sweep's, a late sweep decides the same; the time is the injected clock's, and tests call {@link #runOnce()}.
 */
public final class ProvisionalSweep implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProvisionalSweep.class);
    /** How often the sweep looks for provisional reviews whose hold has ended. */
    public static final Duration PERIOD = Duration.ofSeconds(30);

    private final Store store;
    private final SuppressionDecider decider;
    private final Clock clock;
    private ScheduledExecutorService timer;

    public ProvisionalSweep(Store store, SuppressionDecider decider, Clock clock) {
        this.store = store;
        this.decider = decider;
        this.clock = clock;
    }

    /** Sweeps every {@link #PERIOD} on a daemon platform thread. */
    public ProvisionalSweep start() {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "rebound-provisional-sweep");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(() -> {
            try {
                runOnce();
            } catch (RuntimeException e) {
                log.error("the sweep of provisional suppression reviews failed; the next one runs in {}", PERIOD, e);
            }
        }, PERIOD.toMillis(), PERIOD.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /**
     * One sweep at the clock's now: store sweeps (each reads a bounded number of the oldest provisional reviews) until one
     * changes nothing, so a backlog (a node that was down, a burst of bounces) is worked off in one run.
     */
    public Promotions runOnce() {
        Promotions p = new Promotions(0, 0, 0);
        for (Promotions round = store.sweepProvisional(decider, clock.instant()); round.total() > 0;
             round = store.sweepProvisional(decider, clock.instant())) {
            p = new Promotions(p.suppressed() + round.suppressed(), p.reviewed() + round.reviewed(), p.lifted() + round.lifted());
        }
        if (p.total() > 0) {
            log.info("provisional suppression reviews decided at the end of their hold: {} suppressed, {} kept as the circuit "
                    + "breaker's reviews, {} lifted", p.suppressed(), p.reviewed(), p.lifted());
        }
        return p;
    }

    @Override
    public void close() {
        if (timer != null) timer.shutdownNow();
    }
}
