package dev.rebound.server.smtp;

import dev.rebound.server.config.ReboundConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.subethamail.smtp.server.Session;

/**
 * The limits of one listener session, kept on the session's own thread (SubEthaSMTP runs a session on one thread):
 * who the client is, whether it may relay (decided at connect from {@code smtp.relay-networks}, or later by AUTH),
 * and the clocks that bound how long it may hold its connection.
 *
 * <ul>
 *   <li>Idle: the next command must arrive within {@code idle-timeout} of the end of the previous one (RFC 5321
 *       §4.5.3.2.7 gives the server 5 minutes). The deadline moves only when a known command runs, so a client
 *       that trickles a line a byte at a time, or sends unknown commands, cannot extend it.</li>
 *   <li>Junk: NOOP, RSET, VRFY, EXPN, HELP, HELO and EHLO reset the idle clock but are counted; more than
 *       {@code max-junk-commands} of them without an accepted message in between closes the session (Postfix's
 *       {@code smtpd_junk_command_limit} idea), so "NOOP every 59 s" does not hold a connection forever.</li>
 *   <li>Session: no session lasts longer than {@code max-session-time}, checked before each command.</li>
 *   <li>Data: one message's data must be complete within {@code data-timeout} and keep the {@link DataPace}.</li>
 * </ul>
 * Each limit closes with {@code 421} and its reply from {@link ListenerReply}.
 */
final class SessionGuard {
    private static final Set<String> JUNK = Set.of("NOOP", "RSET", "VRFY", "EXPN", "HELP", "HELO", "EHLO");

    private final Session session;
    private final ClientKey client;
    private final boolean relay;
    private final ReboundConfig.SmtpLimits limits;
    private final long startNanos;
    private long lastActivityNanos;
    private int junk;
    private int authFailures;
    /** Set while a message's data is read. */
    private DataPace pace;
    private long dataDeadlineNanos;
    /** Guarded by the gate: the session counts as unprivileged (outside the relay networks, not authenticated). */
    boolean unprivileged;

    SessionGuard(Session session, ClientKey client, boolean relay, ReboundConfig.SmtpLimits limits, long nowNanos) {
        this.session = session;
        this.client = client;
        this.relay = relay;
        this.limits = limits;
        this.startNanos = nowNanos;
        this.lastActivityNanos = nowNanos;
        this.unprivileged = !relay;
    }

    ClientKey client() {
        return client;
    }

    /** Whether the client is in {@code smtp.relay-networks} (decided at connect). */
    boolean relay() {
        return relay;
    }

    /** Before a command runs: a refusal that closes the session, or empty. */
    Optional<Refusal> beforeCommand(String verb, long nowNanos) {
        lastActivityNanos = nowNanos;
        if (nowNanos - startNanos > limits.maxSessionTime().toNanos())
            return Optional.of(Refusal.of(ListenerReply.SESSION_TOO_LONG, text(limits.maxSessionTime())));
        if (JUNK.contains(verb.toUpperCase(Locale.ROOT)) && ++junk > limits.maxJunkCommands())
            return Optional.of(Refusal.of(ListenerReply.TOO_MANY_JUNK_COMMANDS, limits.maxJunkCommands()));
        return Optional.empty();
    }

    void afterCommand(long nowNanos) {
        lastActivityNanos = nowNanos;
        pace = null;
    }

    /** A message was accepted: the junk count starts again. */
    void messageAccepted() {
        junk = 0;
    }

    /** From now until {@link #afterCommand}, reads are a message's data. */
    void startData(long nowNanos) {
        pace = new DataPace(limits.idleTimeout(), limits.minDataRate());
        dataDeadlineNanos = nowNanos + limits.dataTimeout().toNanos();
    }

    /** Failed AUTH attempts in this session so far, this one included. */
    int authFailed() {
        return ++authFailures;
    }

    /** How long the next read may wait, in milliseconds (at least 1; the caller checks {@link #expired} first). */
    int readTimeoutMillis(long nowNanos) {
        long nanos = pace == null ? lastActivityNanos + limits.idleTimeout().toNanos() - nowNanos
                : Math.min(pace.remainingNanos(), dataDeadlineNanos - nowNanos);
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (nanos + 999_999) / 1_000_000));
    }

    /** The limit that has run out at {@code nowNanos} before or during a read, if any. */
    Optional<Refusal> expired(long nowNanos) {
        if (pace == null) {
            return nowNanos - lastActivityNanos >= limits.idleTimeout().toNanos()
                    ? Optional.of(Refusal.of(ListenerReply.IDLE_TIMEOUT, text(limits.idleTimeout()))) : Optional.empty();
        }
        if (nowNanos >= dataDeadlineNanos) return Optional.of(Refusal.of(ListenerReply.DATA_TIMEOUT, text(limits.dataTimeout())));
        if (pace.remainingNanos() <= 0) return Optional.of(slow());
        return Optional.empty();
    }

    /** A read waited its whole timeout: which limit that was. */
    Refusal timedOut(long nowNanos) {
        return expired(nowNanos).orElseGet(() -> pace == null
                ? Refusal.of(ListenerReply.IDLE_TIMEOUT, text(limits.idleTimeout())) : slow());
    }

    /** After a read of {@code octets} that waited {@code elapsedNanos}: the limit it broke, if any. */
    Optional<Refusal> afterRead(int octets, long elapsedNanos, long nowNanos) {
        if (pace != null && !pace.afterRead(octets, elapsedNanos)) return Optional.of(slow());
        if (pace != null && nowNanos >= dataDeadlineNanos) return Optional.of(Refusal.of(ListenerReply.DATA_TIMEOUT, text(limits.dataTimeout())));
        return Optional.empty();
    }

    private Refusal slow() {
        return limits.minDataRate() > 0 ? Refusal.of(ListenerReply.DATA_TOO_SLOW, limits.minDataRate())
                : Refusal.of(ListenerReply.IDLE_TIMEOUT, text(limits.idleTimeout()));
    }

    /** Writes the refusal and closes the connection (the session then ends without a reply of its own). */
    void closeWith(Refusal refusal) {
        try {
            session.sendResponse(refusal.line());
        } catch (IOException ignored) {
            // the client is gone already
        }
        session.quit();
    }

    static String text(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0) return ms / 3_600_000 + "h";
        if (ms % 60_000 == 0) return ms / 60_000 + "m";
        if (ms % 1000 == 0) return ms / 1000 + "s";
        return ms + "ms";
    }
}
