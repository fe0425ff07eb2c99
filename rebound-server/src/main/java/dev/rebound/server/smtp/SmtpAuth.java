package dev.rebound.server.smtp;

import dev.rebound.server.config.PasswordHash;
import java.nio.charset.StandardCharsets;
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
import org.subethamail.smtp.server.SessionHandler;

/**
 * SMTP AUTH (RFC 4954) for the listener: SASL PLAIN (RFC 4616) and LOGIN, checked against {@code smtp.auth.users}.
 *
 * <ul>
 *   <li>Only on a TLS session, so no password crosses the wire in clear: {@link ListenerEhlo} advertises AUTH
 *       only after STARTTLS, and an AUTH command before it gets {@code 538 5.7.11} (RFC 4954 §6).</li>
 *   <li>A wrong user or password gets {@code 535 5.7.8}; an unknown user costs the same PBKDF2 work as a known
 *       one, so the reply time does not tell which user names exist.</li>
 *   <li>This class is also the server's {@link SessionHandler}, to count failed logins per session (each session
 *       runs on its own thread). After {@value #MAX_FAILURES} failed AUTH commands in one session the reply is {@code 421 4.7.0} and the
 *       connection is closed (password guessing costs a reconnect and a PBKDF2 run per try).</li>
 *   <li>Responses are capped at 1,024 base64 characters (RFC 4954 allows 12,288; a user name and password
 *       need far less).</li>
 * </ul>
 * Every reply comes from {@link ListenerReply}; the {@code 235} on success is written by SubEthaSMTP.
 */
final class SmtpAuth implements AuthenticationHandlerFactory, SessionHandler {
    private static final int MAX_RESPONSE = 1024;
    static final int MAX_FAILURES = 3;
    private static final String USERNAME = Base64.getEncoder().encodeToString("Username:".getBytes(StandardCharsets.US_ASCII));
    private static final String PASSWORD = Base64.getEncoder().encodeToString("Password:".getBytes(StandardCharsets.US_ASCII));

    private final Map<String, PasswordHash> users;
    /** Verified against when the user is unknown, so both paths cost one PBKDF2 run. */
    private final PasswordHash decoy;

    SmtpAuth(Map<String, PasswordHash> users) {
        this.users = Map.copyOf(users);
        PasswordHash any = users.values().iterator().next();
        this.decoy = new PasswordHash(any.iterations(), new byte[16], new byte[32]);
    }

    /** Failed AUTH commands of the current thread's session (SubEthaSMTP runs each session on one thread). */
    private static final ThreadLocal<int[]> FAILURES = ThreadLocal.withInitial(() -> new int[1]);

    @Override
    public SessionAcceptance accept(Session session) {
        FAILURES.get()[0] = 0;
        return SessionAcceptance.success();
    }

    @Override
    public void onSessionEnd(Session session) {
        FAILURES.remove();
    }

    @Override
    public List<String> getAuthenticationMechanisms() {
        return List.of("PLAIN", "LOGIN");
    }

    @Override
    public AuthenticationHandler create() {
        return new Handler();
    }

    /** True when {@code password} is the password of {@code user}. */
    boolean check(String user, String password) {
        PasswordHash h = users.get(user);
        boolean ok = (h == null ? decoy : h).matches(password.toCharArray());
        return h != null && ok;
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
            if (!check(u, password)) throw failed(context);
            identity = u;
            return Optional.empty();
        }

        @Override
        public Object getIdentity() {
            return identity;
        }
    }

    /** 535, or 421 and close once the session has failed {@link #MAX_FAILURES} times. */
    private static RejectException failed(MessageContext context) {
        int n = ++FAILURES.get()[0];
        if (n >= MAX_FAILURES && context instanceof Session s) {
            // SubEthaSMTP's quit() closes at once, so the 421 is written here first.
            try {
                s.sendResponse(ListenerReply.AUTH_TOO_MANY_FAILURES.line(n));
            } catch (java.io.IOException ignored) {
                // the client is gone already
            }
            s.quit();
            return reject(ListenerReply.AUTH_TOO_MANY_FAILURES, n);
        }
        return reject(ListenerReply.AUTH_FAILED);
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
