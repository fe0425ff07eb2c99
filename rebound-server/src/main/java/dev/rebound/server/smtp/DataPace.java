package dev.rebound.server.smtp;

import java.time.Duration;

/**
 * The time budget of one message's data (DATA, or all BDAT chunks of one message), Postfix's
 * {@code smtpd_min_data_rate} rule (postconf(5)): the budget starts at the idle timeout; each read takes the time
 * it waited off the budget and adds {@code octets / minRate} seconds back, never above the idle timeout. A client
 * that sends at least {@code minRate} octets per second on average never runs out; one that trickles does, within
 * about the idle timeout. The total deadline ({@code smtp.limits.data-timeout}) is separate. Pure: the caller
 * passes the elapsed time.
 */
final class DataPace {
    private final long ceilingNanos;
    private final int minRate;
    private long budgetNanos;

    /** @param minRate octets per second; 0 turns the rate check off (each read may then wait the whole idle timeout) */
    DataPace(Duration idleTimeout, int minRate) {
        this.ceilingNanos = idleTimeout.toNanos();
        this.minRate = minRate;
        this.budgetNanos = ceilingNanos;
    }

    /** Accounts one read of {@code octets} that waited {@code elapsedNanos}; false once the budget is used up. */
    boolean afterRead(long octets, long elapsedNanos) {
        if (minRate == 0) {
            budgetNanos = ceilingNanos;
            return true;
        }
        long earned = octets >= Long.MAX_VALUE / 1_000_000_000L ? ceilingNanos : octets * 1_000_000_000L / minRate;
        budgetNanos = Math.min(ceilingNanos, budgetNanos - elapsedNanos + earned);
        return budgetNanos > 0;
    }

    /** How long the next read may wait. */
    long remainingNanos() {
        return budgetNanos;
    }
}
