package dev.rebound.server.store;

/**
 * Outcome counts of a scope over some minutes ({@code outcome_counts}, V40): see the migration for each column.
 * {@code finals} are final outcomes of sent mail; suppressed-at-intake recipients were not sent and are not counted.
 */
public record OutcomeCounts(long attempts, long deferred, long finals, long delivered, long hard, long soft, long blocked,
                            long complaints) {
    public static final OutcomeCounts ZERO = new OutcomeCounts(0, 0, 0, 0, 0, 0, 0, 0);

    public OutcomeCounts plus(OutcomeCounts o) {
        return new OutcomeCounts(attempts + o.attempts, deferred + o.deferred, finals + o.finals, delivered + o.delivered,
                hard + o.hard, soft + o.soft, blocked + o.blocked, complaints + o.complaints);
    }

    public boolean isEmpty() {
        return equals(ZERO);
    }
}
