package dev.rebound.server.smtp;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Failed AUTH attempts per client (IPv4 address, IPv6 /64) within a sliding window: after {@code max} failures in
 * {@code window}, the client's AUTH commands are refused without a password check until its oldest counted
 * failure is older than the window (a back-off that lasts as long as the client keeps failing). Without it every
 * guess costs a full PBKDF2 run (issue 9 finding 3); with it one address gets {@code max} guesses per window.
 * The clock is passed in, so tests move time instead of sleeping. At most {@value #MAX_CLIENTS} clients are
 * remembered; beyond that the longest-remembered are forgotten first.
 */
final class AuthFailures {
    static final int MAX_CLIENTS = 100_000;

    private final int max;
    private final Duration window;
    private final Clock clock;
    private final LinkedHashMap<ClientKey, ArrayDeque<Instant>> failures = new LinkedHashMap<>();

    AuthFailures(int max, Duration window, Clock clock) {
        this.max = max;
        this.window = window;
        this.clock = clock;
    }

    /** When the client may try again, if it is locked out now. */
    synchronized Optional<Instant> lockedUntil(ClientKey client) {
        ArrayDeque<Instant> times = failures.get(client);
        if (times == null) return Optional.empty();
        prune(times, clock.instant());
        if (times.isEmpty()) {
            failures.remove(client);
            return Optional.empty();
        }
        return times.size() >= max ? Optional.of(times.peekFirst().plus(window)) : Optional.empty();
    }

    /** Whether the client has failed within the window (a suspect: its checks do not wait for a permit). */
    synchronized boolean hasFailed(ClientKey client) {
        ArrayDeque<Instant> times = failures.get(client);
        if (times == null) return false;
        prune(times, clock.instant());
        return !times.isEmpty();
    }

    /** Counts a failed attempt of the client now. */
    synchronized void failed(ClientKey client) {
        Instant now = clock.instant();
        ArrayDeque<Instant> times = failures.computeIfAbsent(client, k -> new ArrayDeque<>());
        prune(times, now);
        times.addLast(now);
        while (times.size() > max) times.removeFirst();
        if (failures.size() > MAX_CLIENTS) {
            Iterator<Map.Entry<ClientKey, ArrayDeque<Instant>>> it = failures.entrySet().iterator();
            while (failures.size() > MAX_CLIENTS && it.hasNext()) {
                it.next();
                it.remove();
            }
        }
    }

    private void prune(ArrayDeque<Instant> times, Instant now) {
        Instant oldest = now.minus(window);
        while (!times.isEmpty() && !times.peekFirst().isAfter(oldest)) times.removeFirst();
    }
}
