package dev.rebound.server.smtp;

import dev.rebound.server.config.PasswordHash;
import dev.rebound.server.config.ReboundConfig;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.subethamail.smtp.AuthenticationHandler;
import org.subethamail.smtp.AuthenticationHandlerFactory;
import org.subethamail.smtp.MessageContext;
import org.subethamail.smtp.RejectException;
import org.subethamail.smtp.server.Session;

/**
 * SMTP AUTH (RFC 4954) for the listener: SASL PLAIN (RFC 4616) and LOGIN, checked against {@code smtp.auth.users}.
 *
 * <ul>
 *   <li>Only on a TLS session, so no password crosses the wire in clear: {@link ListenerEhlo} advertises AUTH
 *       only after STARTTLS, and an AUTH command before it gets {@code 538 5.7.11} (RFC 4954 §6).</li>
 *   <li>A wrong user or password gets {@code 535 5.7.8}; the check is {@link PasswordChecks} (bounded concurrency,
 *       the same PBKDF2 work for unknown users, a cache of verified pairs); when all its permits stay taken for
 *       {@code smtp.auth.failure-delay} the reply is {@code 454 4.7.0} (not counted as a failure). Refusals for a
 *       wrong password or a locked-out client come after {@code smtp.auth.failure-delay}.</li>
 *   <li>Per client ({@link AuthFailures}): after {@code smtp.auth.max-failures} failures within
 *       {@code smtp.auth.failure-window}, the client's AUTH is refused with {@code 454 4.7.0} without a check,
 *       until the window lets it try again.</li>
 *   <li>Per session: after {@value #MAX_FAILURES} failed or locked-out AUTH commands the reply is
 *       {@code 421 4.7.0} and the connection is closed (each try then costs a reconnect).</li>
 *   <li>Responses are capped at 1,024 base64 characters (RFC 4954 allows 12,288; a user name and password
 *       need far less).</li>
 * </ul>
 * Every reply comes from {@link ListenerReply}; the {@code 235} on success is written by SubEthaSMTP.
 */
final class SmtpAuth implements AuthenticationHandlerFactory {
    private static final int MAX_RESPONSE = 1024;
    static final int MAX_FAILURES = 3;
    private static final String USERNAME = Base64.getEncoder().encodeToString("Username:".getBytes(StandardCharsets.US_ASCII));
    private static final String PASSWORD = Base64.getEncoder().encodeToString("Password:".getBytes(StandardCharsets.US_ASCII));

    private final PasswordChecks checks;
    private final AuthFailures failures;
    private final ListenerGate gate;
    private final Duration failureDelay;

    SmtpAuth(Map<String, PasswordHash> users, ReboundConfig.AuthLimits limits, Clock clock, ListenerGate gate) {
        this.checks = new PasswordChecks(users, limits.maxConcurrentChecks(), limits.failureDelay(), limits.cacheTtl(), clock);
        this.failureDelay = limits.failureDelay();
        this.failures = new AuthFailures(limits.maxFailures(), limits.failureWindow(), clock);
        this.gate = gate;
    }

    @Override
    public List<String> getAuthenticationMechanisms() {
        return List.of("PLAIN", "LOGIN");
    }

    @Override
    public AuthenticationHandler create() {
        return new Handler();
    }

    private final class Handler implements AuthenticationHandler {
        private String mechanism;
        private String user;
        private String identity;

        @Override
        public Optional<String> auth(String clientInput, MessageContext context) throws RejectException {
            if (mechanism == null) {
                // First call: the whole command line "AUTH <mechanism> [initial-response]".
                if (!(context instanceof Session s) || !s.isTLSStarted()) throw reject(ListenerReply.AUTH_NEEDS_TLS);
                String[] parts = clientInput.trim().split("\\s+");
                if (parts.length < 2 || parts.length > 3) throw reject(ListenerReply.AUTH_SYNTAX, "expected AUTH <mechanism> [initial-response]");
                mechanism = parts[1].toUpperCase(Locale.ROOT);
                String initial = parts.length == 3 ? parts[2] : null;
                switch (mechanism) {
                    case "PLAIN" -> {
                        if (initial == null || initial.equals("=")) return challenge("");
                        return plain(initial, context);
                    }
                    case "LOGIN" -> {
                        if (initial == null) return challenge(USERNAME);
                        user = decode(initial);
                        return challenge(PASSWORD);
                    }
                    default -> throw reject(ListenerReply.AUTH_MECHANISM, parts[1]);
                }
            }
            String response = clientInput.trim();
            if (mechanism.equals("PLAIN")) return plain(response, context);
            if (user == null) {
                user = decode(response);
                return challenge(PASSWORD);
            }
            return login(user, decode(response), context);
        }

        private Optional<String> plain(String b64, MessageContext context) throws RejectException {
            // RFC 4616: [authzid] NUL authcid NUL passwd
            String s = decode(b64);
            int a = s.indexOf('\0'), b = a < 0 ? -1 : s.indexOf('\0', a + 1);
            if (a < 0 || b < 0) throw reject(ListenerReply.AUTH_SYNTAX, "PLAIN needs authzid NUL user NUL password");
            String authzid = s.substring(0, a);
            String authcid = s.substring(a + 1, b);
            if (!authzid.isEmpty() && !authzid.equals(authcid)) throw failed(context);
            return login(authcid, s.substring(b + 1), context);
        }

        private Optional<String> login(String u, String password, MessageContext context) throws RejectException {
            SessionGuard guard = gate.guard(context);
            if (guard != null) {
                Optional<Instant> until = failures.lockedUntil(guard.client());
                if (until.isPresent()) {
                    pause();
                    // Not checked, not counted for the client; counted for the session, so a locked-out client that
                    // keeps trying on one connection is closed like one that keeps failing.
                    if (guard.authFailed() >= MAX_FAILURES) {
                        guard.closeWith(Refusal.of(ListenerReply.AUTH_TOO_MANY_FAILURES, MAX_FAILURES));
                        throw reject(ListenerReply.AUTH_TOO_MANY_FAILURES, MAX_FAILURES);
                    }
                    throw reject(ListenerReply.AUTH_CLIENT_LOCKED, guard.client(), until.get().truncatedTo(ChronoUnit.SECONDS));
                }
            }
            switch (checks.check(u, password, guard == null || !failures.hasFailed(guard.client()))) {
                case BUSY -> {
                    pause();
                    throw reject(ListenerReply.AUTH_BUSY);
                }
                case INVALID -> throw failed(context);
                case VALID -> {
                    identity = u;
                    gate.authenticated(context);
                    return Optional.empty();
                }
            }
            throw new IllegalStateException("unreachable");
        }

        @Override
        public Object getIdentity() {
            return identity;
        }
    }

    /** Counts the failure for the client and the session: 535, or 421 and close once the session failed {@link #MAX_FAILURES} times. */
    private RejectException failed(MessageContext context) {
        pause();
        SessionGuard guard = gate.guard(context);
        if (guard == null) return reject(ListenerReply.AUTH_FAILED);
        failures.failed(guard.client());
        int n = guard.authFailed();
        if (n >= MAX_FAILURES) {
            // SubEthaSMTP's quit() closes at once, so the 421 is written here first.
            guard.closeWith(Refusal.of(ListenerReply.AUTH_TOO_MANY_FAILURES, n));
            return reject(ListenerReply.AUTH_TOO_MANY_FAILURES, n);
        }
        return reject(ListenerReply.AUTH_FAILED);
    }

    /**
     * Waits {@code smtp.auth.failure-delay} before a refusal (as Dovecot's {@code auth_failure_delay} and Postfix's
     * {@code smtpd_error_sleep_time}): a guesser gets at most one answer per delay and connection, while the session
     * thread (virtual) is parked and uses no CPU.
     */
    private void pause() {
        if (failureDelay.isZero()) return;
        try {
            Thread.sleep(failureDelay);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Optional<String> challenge(String b64) {
        return Optional.of(ListenerReply.AUTH_CHALLENGE.line(b64));
    }

    private static String decode(String b64) throws RejectException {
        if (b64.length() > MAX_RESPONSE) throw reject(ListenerReply.AUTH_SYNTAX, "response longer than " + MAX_RESPONSE + " characters");
        try {
            return new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw reject(ListenerReply.AUTH_SYNTAX, "not base64");
        }
    }

    private static RejectException reject(ListenerReply reply, Object... args) {
        return new RejectException(reply.code(), reply.text(args));
    }
}
