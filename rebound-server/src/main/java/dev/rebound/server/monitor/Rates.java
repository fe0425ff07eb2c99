package dev.rebound.server.monitor;

import dev.rebound.core.monitor.Metric;
import dev.rebound.core.monitor.Tally;
import dev.rebound.server.store.OutcomeCounts;
import java.util.OptionalDouble;

/**
 * The rates of issue 13 from stored counts: hard-bounce rate = final hard bounces / final outcomes of sent mail (SES's
 * definition); soft-bounce and block rates over the same finals; complaint rate = complaints / delivered; defer rate =
 * attempts that ended deferred / attempts.
 */
public final class Rates {
    private Rates() {}

    /** The metric's events over its trials (events capped at the trials: a late bounce counts where it arrives). */
    public static Tally tally(Metric m, OutcomeCounts c) {
        return switch (m) {
            case HARD_BOUNCE -> capped(c.finals(), c.hard());
            case SOFT_BOUNCE -> capped(c.finals(), c.soft());
            case BLOCK -> capped(c.finals(), c.blocked());
            case COMPLAINT -> capped(c.delivered(), c.complaints());
            case DEFER -> capped(c.attempts(), c.deferred());
        };
    }

    /** The rate, empty without trials. */
    public static OptionalDouble rate(Metric m, OutcomeCounts c) {
        Tally t = tally(m, c);
        return t.trials() == 0 ? OptionalDouble.empty() : OptionalDouble.of(t.rate());
    }

    private static Tally capped(long trials, long events) {
        return new Tally(trials, Math.min(trials, events));
    }
}
