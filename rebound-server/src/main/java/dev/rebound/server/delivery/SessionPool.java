package dev.rebound.server.delivery;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Idle SMTP sessions kept per MX address for the next message to the same host (connection reuse, as
 * Postfix's scache and KumoMTA's {@code max_deliveries_per_connection}). A session is handed out to one
 * caller at a time; it is returned only after a complete transaction. At most {@code maxIdlePerHost} idle
 * sessions per address are kept, each for at most {@code maxIdleTime} (checked with the injected clock on
 * every take and give, so no reaper thread is needed; servers drop idle clients after their own timeout and a
 * stale session is caught by the RSET before reuse). {@link #close()} sends QUIT on every idle session.
 */
final class SessionPool implements AutoCloseable {
    record Key(String mxHost, InetSocketAddress address) {}

    private record Idle(SmtpSession session, long sinceMillis) {}

    private final int maxIdlePerHost;
    private final Duration maxIdleTime;
    private final Clock clock;
    private final Map<Key, Deque<Idle>> idle = new HashMap<>();
    private boolean closed;

    SessionPool(int maxIdlePerHost, Duration maxIdleTime, Clock clock) {
        this.maxIdlePerHost = maxIdlePerHost;
        this.maxIdleTime = maxIdleTime;
        this.clock = clock;
    }

    /** An idle session for {@code key} (most recently used first), or null. */
    SmtpSession take(Key key) {
        List<SmtpSession> expired = new ArrayList<>();
        SmtpSession found = null;
        synchronized (this) {
            collectExpired(expired);
            Deque<Idle> q = idle.get(key);
            while (q != null && !q.isEmpty() && found == null) {
                SmtpSession s = q.pollFirst().session();
                if (s.usable()) found = s;
                else expired.add(s);
            }
        }
        expired.forEach(SmtpSession::quit);
        return found;
    }

    /** Returns a session after a transaction; closes it when it is unusable or the pool is full. */
    void give(Key key, SmtpSession session) {
        List<SmtpSession> toClose = new ArrayList<>();
        synchronized (this) {
            collectExpired(toClose);
            Deque<Idle> q = idle.computeIfAbsent(key, k -> new ArrayDeque<>());
            if (closed || !session.usable() || q.size() >= maxIdlePerHost) toClose.add(session);
            else q.addFirst(new Idle(session, clock.millis()));
        }
        toClose.forEach(SmtpSession::quit);
    }

    /** Number of idle sessions (for tests and metrics). */
    synchronized int idleCount() {
        return idle.values().stream().mapToInt(Deque::size).sum();
    }

    private void collectExpired(List<SmtpSession> out) {
        long now = clock.millis();
        for (Deque<Idle> q : idle.values()) {
            q.removeIf(i -> {
                boolean old = now - i.sinceMillis() > maxIdleTime.toMillis();
                if (old) out.add(i.session());
                return old;
            });
        }
    }

    @Override
    public void close() {
        List<SmtpSession> all = new ArrayList<>();
        synchronized (this) {
            closed = true;
            idle.values().forEach(q -> q.forEach(i -> all.add(i.session())));
            idle.clear();
        }
        all.forEach(SmtpSession::quit);
    }
}
