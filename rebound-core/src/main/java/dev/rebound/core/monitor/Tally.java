package dev.rebound.core.monitor;

/**
 * Counts of one metric: {@code events} out of {@code trials} (e.g. hard bounces out of final outcomes).
 */
public record Tally(long trials, long events) {
    public static final Tally ZERO = new Tally(0, 0);

    public Tally {
        if (trials < 0 || events < 0 || events > trials) {
            throw new IllegalArgumentException("Tally needs 0 <= events <= trials, got events=" + events + " trials=" + trials);
        }
    }

    public Tally plus(Tally o) {
        return new Tally(trials + o.trials, events + o.events);
    }

    /** These counts without {@code o}'s (a part of them); never below zero. */
    public Tally minus(Tally o) {
        long t = Math.max(0, trials - o.trials);
        return new Tally(t, Math.min(t, Math.max(0, events - o.events)));
    }

    /** events / trials, 0 when there were no trials. */
    public double rate() {
        return trials == 0 ? 0.0 : (double) events / trials;
    }
}
