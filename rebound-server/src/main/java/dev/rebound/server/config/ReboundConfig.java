package dev.rebound.server.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The whole configuration, validated. Read by {@link ConfigLoader} from {@code rebound.yaml} over the built-in
 * defaults, then environment overrides ({@code REBOUND_HTTP_LISTEN} for {@code http.listen}, ...).
 * {@code suppressionPolicy} is {@code suppression.policy.*}: the thresholds and expiries of the core suppression policy.
 */
public record ReboundConfig(Node node, Http http, Smtp smtp, StoreSettings store, Dns dns, Delivery delivery,
                            Retry retry, Throttle throttle, Scheduler scheduler, Api api, Providers providers,
                            Bounces bounces, Webhooks webhooks,
                            dev.rebound.core.policy.SuppressionConfig suppressionPolicy,
                            Suppression suppression, Monitor monitor) {

    /**
     * Suppression management ({@code suppression.*}).
     *
     * @param releaseWindow held mail (accepted while its address was suppressed) younger than this is released, once,
     *                      when the entry is removed or its review rejected; older held mail stays SUPPRESSED
     */
    public record Suppression(Duration releaseWindow) {}

    /** @param id this node's id (lease owner); "" in the file means the host name */
    /**
     * This node in a group of nodes sharing one store.
     *
     * @param id                the lease owner id (unique per process sharing the store)
     * @param heartbeatInterval how often the node writes its heartbeat to the registry and renews its leases in flight
     * @param deadAfterMissed   heartbeats missed before other nodes and {@code GET /v1/nodes} consider it dead
     */
    public record Node(String id, java.time.Duration heartbeatInterval, int deadAfterMissed) {
        /** How long without a heartbeat before the node is considered dead. */
        public java.time.Duration deadAfter() {
            return heartbeatInterval.multipliedBy(deadAfterMissed);
        }
    }

    public record Http(HostPort listen, long maxBodySize) {}

    /**
     * @param tls       certificate and key for STARTTLS; empty means STARTTLS is not offered
     * @param authUsers user name → password hash; AUTH (PLAIN, LOGIN) is offered after STARTTLS when not empty
     */
    public record Smtp(HostPort listen, List<IpNetwork> relayNetworks, int maxMessageSize, int maxRecipients,
                       String hostname, Optional<Tls> tls, Map<String, PasswordHash> authUsers, SmtpLimits limits,
                       AuthLimits authLimits) {}

    /**
     * The listener's limits ({@code smtp.limits.*}).
     *
     * @param maxConnections          connections at once, all clients together
     * @param maxConnectionsPerClient connections at once from one client (an IPv4 address, an IPv6 /64) outside
     *                                {@code smtp.relay-networks}; an authenticated session stops counting
     * @param reservedConnections     the part of {@code maxConnections} only relay-network and authenticated
     *                                clients may use
     * @param idleTimeout             the longest wait for the next command (and the DATA time budget's ceiling)
     * @param maxJunkCommands         NOOP, RSET, VRFY, EXPN, HELP, HELO, EHLO allowed between two accepted messages
     * @param maxSessionTime          the longest session, whatever it does
     * @param dataTimeout             the longest DATA (or all BDAT chunks of one message), however fast
     * @param minDataRate             octets per second DATA must sustain (0: no rate check)
     */
    public record SmtpLimits(int maxConnections, int maxConnectionsPerClient, int reservedConnections,
                             Duration idleTimeout, int maxJunkCommands, Duration maxSessionTime,
                             Duration dataTimeout, int minDataRate) {}

    /**
     * AUTH limits ({@code smtp.auth.*} besides the users).
     *
     * @param maxFailures         failed AUTH attempts from one client (address, IPv6 /64) within {@code failureWindow}
     *                            after which its AUTH commands are refused without a password check
     * @param failureWindow       how long a failure counts
     * @param maxConcurrentChecks password checks (PBKDF2) running at once; more are refused with 454 at once
     * @param failureDelay        how long a refused AUTH (wrong password, locked-out client) waits before its reply,
     *                            and the longest wait for a check permit before {@code 454}; holds the guesser, not
     *                            the CPU
     * @param cacheTtl            how long a verified user/password pair is remembered (HMAC, memory only), so a
     *                            legitimate client does not queue behind guesses; zero: never
     */
    public record AuthLimits(int maxFailures, Duration failureWindow, int maxConcurrentChecks, Duration failureDelay,
                             Duration cacheTtl) {}

    /** PEM files: the certificate chain (leaf first) and its PKCS#8 private key ({@code BEGIN PRIVATE KEY}). */
    public record Tls(java.nio.file.Path cert, java.nio.file.Path key) {}

    /**
     * @param url             {@code jdbc:sqlite:<file>} or {@code jdbc:postgresql://host[:port]/database}
     * @param user            the PostgreSQL role ("" when none or named in the URL)
     * @param password        its password ("" when none); never printed ({@link #toString()} masks it)
     * @param readConnections the read pool's size beside the one write connection
     */
    public record StoreSettings(String url, String user, String password, int readConnections) {
        @Override
        public String toString() {
            return "StoreSettings[url=" + redactedUrl() + ", user=" + user + ", password=" + (password.isEmpty() ? "" : "***")
                    + ", readConnections=" + readConnections + "]";
        }

        /** Whether this is the shared PostgreSQL store (else a SQLite file). */
        public boolean postgres() {
            return url.startsWith("jdbc:postgresql:");
        }

        private static final java.util.regex.Pattern USERINFO = java.util.regex.Pattern.compile("(//[^/@?#]*?):[^/@?#]*@");
        private static final java.util.regex.Pattern SECRET_PARAM = java.util.regex.Pattern.compile(
                "(?i)([?&;](?:password|passwd|pwd|sslpassword|secret|token|key)=)[^&;#]*");

        /** The URL as it may be printed or logged: a password in the userinfo or in a parameter replaced by ***. */
        public String redactedUrl() {
            return redact(url);
        }

        /** {@code url} with a password in its userinfo ({@code //user:pw@}) or in a parameter ({@code password=}) masked. */
        public static String redact(String url) {
            return SECRET_PARAM.matcher(USERINFO.matcher(url).replaceAll("$1:***@")).replaceAll("$1***");
        }
    }

    /** @param servers DNS servers to ask; empty means the system resolver */
    public record Dns(List<HostPort> servers, Duration timeout) {}

    /**
     * @param relay   a smarthost for all mail, if set
     * @param routes  per-domain next hops (exact domain, lower case) that bypass MX resolution
     * @param mxPort  the TCP port of MX hosts (25; tests point it at a fake MX)
     * @param tls     the default STARTTLS policy: none, opportunistic, require or verify
     * @param tlsPolicies per-domain STARTTLS policies (exact domain, lower case)
     * @param mtaSts  whether MTA-STS (RFC 8461) policies of recipient domains are looked up and applied
     * @param mtaStsTimeout timeout of one MTA-STS policy fetch
     */
    public record Delivery(Optional<HostPort> relay, Map<String, HostPort> routes, String heloName,
                           int mxPort, dev.rebound.core.tls.TlsMode tls, Map<String, dev.rebound.core.tls.TlsMode> tlsPolicies,
                           boolean mtaSts, Duration mtaStsTimeout) {}

    /**
     * Per-domain concurrency bounds of the core throttle controller (AIMD between min and max), and the per-domain
     * token bucket: {@code messagesPerSecond} 0 means no rate limit.
     */
    public record Throttle(int initialConcurrency, int minConcurrency, int maxConcurrency, double messagesPerSecond,
                           int burst) {}

    /** @param schedule delay before attempt n+1, counted from the previous attempt (first entry: first attempt) */
    public record Retry(List<Duration> schedule, int maxAttempts, Duration maxAge) {}

    /**
     * @param maxLeasedPerDomain the most recipients of one domain that all nodes together hold under a lease; 0 = the
     *                           batch size (one node: its own per-domain throttle alone limits the transactions)
     */
    public record Scheduler(Duration pollInterval, Duration lease, int batchSize, int maxLeasedPerDomain) {}

    /**
     * Rates and alerts ({@code monitor.*}).
     *
     * @param enabled          evaluate alerts every {@code interval}
     * @param window           the moving window the detector evaluates (per-minute counts)
     * @param baseline         how far back a scope's baseline rate reaches (before the window)
     * @param hardBounceWarn   hard-bounce ceiling for a warning (SES review level 5 %)
     * @param hardBounceCritical hard-bounce ceiling for a critical alert (SES pause level 10 %)
     * @param complaintWarn    complaint ceiling for a warning (0.1 %)
     * @param complaintCritical complaint ceiling for a critical alert (0.5 %)
     * @param pauseOnCritical  scope kinds ({@code domain}, {@code stream}) paused when a critical alert opens on them
     * @param topDomains       per-domain Prometheus series for this many busiest domains, the rest as {@code other}
     */
    public record Monitor(boolean enabled, Duration interval, Duration window, Duration baseline, double hardBounceWarn,
                          double hardBounceCritical, double complaintWarn, double complaintCritical, List<String> pauseOnCritical,
                          int topDomains) {}

    /** @param keys bearer tokens accepted on /v1; empty means no authentication */
    public record Api(List<String> keys) {}

    /**
     * Provider webhooks ({@code providers.*}): a provider without settings is refused.
     *
     * @param webhooks                the verification settings handed to the core {@code ProviderWebhooks}
     * @param defaultStream           the stream of provider evidence that matches no message and names no stream
     * @param confirmSnsSubscriptions when true, an authentic SNS SubscriptionConfirmation for an allow-listed topic is
     *                                confirmed by an HTTPS GET of its SubscribeURL; off by default (log and API only)
     */
    public record Providers(dev.rebound.core.events.WebhookSettings webhooks, String defaultStream,
                            boolean confirmSnsSubscriptions) {}

    /**
     * @param domain  the return-path domain for VERP bounce addresses ({@code bounces+<recipient-id>@domain}); "" = off
     * @param notices streams whose SMTP senders get RFC 3464 bounce notices, and which (none by default)
     */
    public record Bounces(String domain, Map<String, Notices> notices) {}

    /** Bounce notices of a stream: final failures only, or also a recipient's first deferral. */
    public enum Notices { FAILURES, DELAYS }

    /**
     * Rebound's outbound webhooks ({@code webhooks.*}).
     *
     * @param endpoints        endpoints from the file (source {@code config}); more are managed through {@code /v1/webhooks}
     * @param retrySchedule    delay before attempt n+1 of one event; when spent the delivery is FAILED
     * @param timeout          per request (connect + response)
     * @param disableAfter     an endpoint whose every delivery failed for this long is disabled
     * @param allowedNetworks  networks an {@code http://} URL may point to besides loopback (https may go anywhere)
     * @param pollInterval     how often the dispatcher looks for new events and due retries
     * @param batchSize        requests in flight at once (each on a virtual thread of the dispatcher)
     */
    public record Webhooks(List<WebhookEndpoint> endpoints, List<Duration> retrySchedule, Duration timeout,
                           Duration disableAfter, List<IpNetwork> allowedNetworks, Duration pollInterval, int batchSize) {}

    /**
     * One endpoint of {@code webhooks.endpoints}.
     *
     * @param id             stable name (the endpoint's id in the API)
     * @param secret         {@code whsec_} + base64
     * @param previousSecret during a rotation, the old secret: requests carry both signatures while it is set
     */
    public record WebhookEndpoint(String id, String url, String secret, Optional<String> previousSecret,
                                  List<String> eventTypes, List<String> streams, boolean finalOnly, boolean enabled) {}
}
