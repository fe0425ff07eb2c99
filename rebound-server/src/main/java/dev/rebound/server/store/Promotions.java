package dev.rebound.server.store;

/**
 * What one sweep of provisional reviews ({@code suppress.provisional.hard}) did once their hold had ended: entries
 * promoted to SUPPRESSED, entries kept as the circuit breaker's REVIEW (the domain was failing by then), entries
 * lifted (the policy no longer decides anything, e.g. after a delivery).
 */
public record Promotions(int suppressed, int reviewed, int lifted) {
    public int total() {
        return suppressed + reviewed + lifted;
    }
}
