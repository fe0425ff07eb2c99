package dev.rebound.core.policy;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A token bucket for messages per second to one domain: {@code burst} tokens at most, refilled at
 * {@code ratePerSecond}; each message takes one. Pure: {@link #tryTake} maps a state and an instant to a result
 * and a new state.
 *
 * <p>Design. The classic token bucket (as in RFC 2697's committed burst; equivalently the GCRA of ITU-T I.371):
 * the state is kept as integer nanoseconds of credit, one token = one emission interval
 * {@code T = ceil(1e9 / rate)} ns, capacity {@code burst × T}. Integer arithmetic means no rounding drift, and
 * rounding T up means the bucket never admits more than {@code rate × t + burst} messages in any interval of
 * length t.
 *
 * @param ratePerSecond tokens added per second (positive, finite)
 * @param burst         bucket capacity (≥ 1)
 */
public record TokenBucket(double ratePerSecond, int burst) {

    /**
     * @param creditNanos accumulated credit in nanoseconds (tokens × emission interval)
     * @param at          the instant the credit was computed for
     */
    public record State(long creditNanos, Instant at) {
        public State {
            Objects.requireNonNull(at, "TokenBucket.State.at");
            if (creditNanos < 0) throw new IllegalArgumentException("TokenBucket credit must be >= 0, got " + creditNanos);
        }
    }

    /**
     * @param allowed   whether the message may go now
     * @param newState  the state to keep
     * @param waitUntil when the next token is available (equal to the instant asked for when allowed)
     */
    public record Take(boolean allowed, State newState, Instant waitUntil) {}

    public TokenBucket {
        if (!(ratePerSecond > 0 && Double.isFinite(ratePerSecond)) || 1e9 / ratePerSecond > Long.MAX_VALUE / 4) {
            throw new IllegalArgumentException("TokenBucket.ratePerSecond must be positive (and above 1 per ~70 years), got "
                    + ratePerSecond);
        }
        if (burst < 1) throw new IllegalArgumentException("TokenBucket.burst must be at least 1, got " + burst);
        long t = (long) Math.ceil(1e9 / ratePerSecond);
        if (t > Long.MAX_VALUE / burst) {
            throw new IllegalArgumentException("TokenBucket burst " + burst + " at " + ratePerSecond
                    + "/s is too large a capacity; lower the burst");
        }
    }

    /** Nanoseconds per token (rounded up, never below 1). */
    public long intervalNanos() {
        return Math.max(1, (long) Math.ceil(1e9 / ratePerSecond));
    }

    /** A full bucket at {@code now}. */
    public State full(Instant now) {
        return new State(intervalNanos() * burst, now);
    }

    /** Takes one token if there is one at {@code now}. An instant before the state's is treated as the state's. */
    public Take tryTake(State s, Instant now) {
        long interval = intervalNanos();
        long capacity = interval * burst;
        Instant t = now.isAfter(s.at()) ? now : s.at();
        long elapsed = elapsedNanos(s.at(), t, capacity);
        long credit = Math.min(capacity, s.creditNanos() + Math.min(elapsed, capacity));
        if (credit >= interval) {
            return new Take(true, new State(credit - interval, t), t);
        }
        return new Take(false, new State(credit, t), t.plusNanos(interval - credit));
    }

    private static long elapsedNanos(Instant from, Instant to, long cap) {
        Duration d = Duration.between(from, to);
        if (d.getSeconds() > cap / 1_000_000_000L + 1) return cap;
        try {
            return d.toNanos();
        } catch (ArithmeticException overflow) {
            return cap;
        }
    }
}
