package dev.rebound.server.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The whole configuration, validated. Read by {@link ConfigLoader} from {@code rebound.yaml} over the built-in
 * defaults, then environment overrides ({@code REBOUND_HTTP_LISTEN} for {@code http.listen}, ...).
 */
public record ReboundConfig(Node node, Http http, Smtp smtp, StoreSettings store, Dns dns, Delivery delivery,
                            Retry retry, Throttle throttle, Scheduler scheduler, Api api, Providers providers,
                            Bounces bounces) {

    /** @param id this node's id (lease owner); "" in the file means the host name */
    public record Node(String id) {}

    public record Http(HostPort listen, long maxBodySize) {}

    /**
     * @param tls       certificate and key for STARTTLS; empty means STARTTLS is not offered
     * @param authUsers user name → password hash; AUTH (PLAIN, LOGIN) is offered after STARTTLS when not empty
     */
    public record Smtp(HostPort listen, List<IpNetwork> relayNetworks, int maxMessageSize, int maxRecipients,
                       String hostname, Optional<Tls> tls, Map<String, PasswordHash> authUsers) {}

    /** PEM files: the certificate chain (leaf first) and its PKCS#8 private key ({@code BEGIN PRIVATE KEY}). */
    public record Tls(java.nio.file.Path cert, java.nio.file.Path key) {}

    public record StoreSettings(String url, int readConnections) {}

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

    public record Scheduler(Duration pollInterval, Duration lease, int batchSize) {}

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

    /** @param domain the return-path domain for VERP bounce addresses ({@code bounces+<recipient-id>@domain}); "" = off */
    public record Bounces(String domain) {}
}
