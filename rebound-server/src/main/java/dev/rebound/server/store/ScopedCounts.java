package dev.rebound.server.store;

/**
 * The counts of one scope summed over a window: {@code scope} is a recipient domain, a stream, or "" for overall.
 */
public record ScopedCounts(String scope, OutcomeCounts counts) {
    /** How {@link Store#outcomeTotals} groups. */
    public enum By {
        OVERALL, DOMAIN, STREAM
    }
}
