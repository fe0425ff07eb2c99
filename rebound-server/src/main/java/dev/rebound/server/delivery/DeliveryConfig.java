package dev.rebound.server.delivery;

import dev.rebound.core.tls.TlsMode;
import dev.rebound.server.config.HostPort;
import java.net.InetSocketAddress;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Settings of {@link SmtpDeliveryAgent}. Start from {@link #defaults()} and change what you need with the
 * {@code with*} methods.
 *
 * @param heloName          the name sent in EHLO/HELO (should be this host's public name)
 * @param routes            domain (lower case) → host:port; bypasses MX lookup for that domain
 * @param relay             a smarthost for all other mail; bypasses MX lookup
 * @param dnsServers        DNS servers to ask; empty = the system resolver configuration
 * @param dnsTimeout        per-query DNS timeout
 * @param smtpPort          the port of MX hosts (25; tests use a fake MX port)
 * @param timeouts          SMTP timeouts (RFC 5321 §4.5.3.2)
 * @param tls               the default STARTTLS policy ({@code delivery.tls})
 * @param tlsPolicies       per-domain STARTTLS policies (domain, lower case → mode; {@code delivery.tls-policies})
 * @param mtaSts            MTA-STS (RFC 8461) settings
 * @param trustAnchors      the trusted roots for certificate verification (SMTP STARTTLS and the MTA-STS policy
 *                          fetch); empty = the JDK's default trust store. Not in the YAML: tests pass their own.
 * @param maxIdlePerHost    idle connections kept per MX address for reuse (0 = no reuse)
 * @param maxIdleTime       how long an idle connection is kept
 * @param maxRecipientsPerTransaction recipients per MAIL transaction (RFC 5321 §4.5.3.1.8: servers accept ≥ 100)
 */
public record DeliveryConfig(String heloName, Map<String, HostPort> routes, Optional<HostPort> relay,
                             List<InetSocketAddress> dnsServers, Duration dnsTimeout, int smtpPort,
                             Timeouts timeouts, TlsMode tls, int maxIdlePerHost, Duration maxIdleTime,
                             int maxRecipientsPerTransaction, Map<String, TlsMode> tlsPolicies, MtaSts mtaSts,
                             Optional<KeyStore> trustAnchors) {

    /**
     * MTA-STS (RFC 8461) for mail delivered through MX records (routes and the relay bypass it).
     *
     * @param enabled        look up and apply the recipient domain's policy ({@code delivery.mta-sts.enabled})
     * @param timeout        connect/read timeout and total deadline of one policy fetch ({@code delivery.mta-sts.timeout})
     * @param failureBackoff how long a failed fetch of one policy id is not repeated
     * @param policyPort     the HTTPS port of {@code mta-sts.<domain>}: 443; tests serve policies on a loopback port
     */
    public record MtaSts(boolean enabled, Duration timeout, Duration failureBackoff, int policyPort) {
        public MtaSts {
            if (timeout == null || timeout.isZero() || timeout.isNegative()) throw new IllegalArgumentException("MTA-STS timeout must be positive, got " + timeout);
            Objects.requireNonNull(failureBackoff, "failureBackoff");
            if (policyPort < 1 || policyPort > 65535) throw new IllegalArgumentException("policyPort must be 1-65535, got " + policyPort);
        }

        /** Enabled, 10 s fetch timeout, 5 min between fetch attempts of one failing policy id, port 443. */
        public static MtaSts defaults() {
            return new MtaSts(true, Duration.ofSeconds(10), Duration.ofMinutes(5), 443);
        }

        public MtaSts withEnabled(boolean v) {
            return new MtaSts(v, timeout, failureBackoff, policyPort);
        }

        public MtaSts withTimeout(Duration v) {
            return new MtaSts(enabled, v, failureBackoff, policyPort);
        }

        public MtaSts withPolicyPort(int v) {
            return new MtaSts(enabled, timeout, failureBackoff, v);
        }
    }

    /**
     * Client timeouts. RFC 5321 §4.5.3.2 gives the reply timeouts: initial greeting 5 min, MAIL 5 min, RCPT
     * 5 min, DATA initiation 2 min, each data block 3 min, DATA termination 10 min. {@code connect} and
     * {@code command} (EHLO, HELO, STARTTLS and its handshake, RSET, QUIT) are not in the RFC.
     */
    public record Timeouts(Duration connect, Duration greeting, Duration command, Duration mail, Duration rcpt,
                           Duration dataInit, Duration dataBlock, Duration dataEnd) {
        public Timeouts {
            for (Duration d : List.of(connect, greeting, command, mail, rcpt, dataInit, dataBlock, dataEnd)) {
                if (d == null || d.isNegative() || d.isZero()) {
                    throw new IllegalArgumentException("every SMTP timeout must be positive, got " + d);
                }
            }
        }

        /** The RFC 5321 §4.5.3.2 values, connect 30 s, other commands 5 min. */
        public static Timeouts rfc5321() {
            return new Timeouts(Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofMinutes(5),
                    Duration.ofMinutes(5), Duration.ofMinutes(5), Duration.ofMinutes(2), Duration.ofMinutes(3),
                    Duration.ofMinutes(10));
        }

        /** The same timeout everywhere (tests). */
        public static Timeouts uniform(Duration d) {
            return new Timeouts(d, d, d, d, d, d, d, d);
        }
    }

    public DeliveryConfig {
        Objects.requireNonNull(heloName, "heloName");
        if (heloName.isBlank() || heloName.chars().anyMatch(c -> c <= ' ' || c > '~')) {
            throw new IllegalArgumentException("helo name must be a host name without spaces, got \"" + heloName + "\"");
        }
        TreeMap<String, HostPort> r = new TreeMap<>();
        routes.forEach((d, hp) -> r.put(d.toLowerCase(Locale.ROOT), hp));
        routes = Map.copyOf(r);
        relay = Objects.requireNonNull(relay, "relay");
        dnsServers = List.copyOf(dnsServers);
        Objects.requireNonNull(dnsTimeout, "dnsTimeout");
        if (smtpPort < 1 || smtpPort > 65535) throw new IllegalArgumentException("smtpPort must be 1-65535, got " + smtpPort);
        Objects.requireNonNull(timeouts, "timeouts");
        Objects.requireNonNull(tls, "tls");
        if (maxIdlePerHost < 0) throw new IllegalArgumentException("maxIdlePerHost must be >= 0, got " + maxIdlePerHost);
        Objects.requireNonNull(maxIdleTime, "maxIdleTime");
        if (maxRecipientsPerTransaction < 1) {
            throw new IllegalArgumentException("maxRecipientsPerTransaction must be >= 1, got " + maxRecipientsPerTransaction);
        }
        TreeMap<String, TlsMode> tp = new TreeMap<>();
        tlsPolicies.forEach((d, m) -> tp.put(d.toLowerCase(Locale.ROOT), Objects.requireNonNull(m, "tls mode of " + d)));
        tlsPolicies = Map.copyOf(tp);
        Objects.requireNonNull(mtaSts, "mtaSts");
        Objects.requireNonNull(trustAnchors, "trustAnchors");
    }

    /** The configured TLS mode for {@code domain}: its entry in {@code tlsPolicies}, else {@code tls}. */
    public TlsMode tlsFor(String domain) {
        return tlsPolicies.getOrDefault(domain.toLowerCase(Locale.ROOT), tls);
    }

    /**
     * HELO name "localhost", no routes or relay, the system resolver with a 5 s timeout, port 25, RFC 5321
     * timeouts, opportunistic TLS (no per-domain policies), MTA-STS on, the JDK trust store, 2 idle connections
     * per MX address kept for 30 s, 100 recipients per transaction.
     */
    public static DeliveryConfig defaults() {
        return new DeliveryConfig("localhost", Map.of(), Optional.empty(), List.of(), Duration.ofSeconds(5), 25,
                Timeouts.rfc5321(), TlsMode.OPPORTUNISTIC, 2, Duration.ofSeconds(30), 100, Map.of(), MtaSts.defaults(),
                Optional.empty());
    }

    public DeliveryConfig withHeloName(String v) {
        return new DeliveryConfig(v, routes, relay, dnsServers, dnsTimeout, smtpPort, timeouts, tls, maxIdlePerHost, maxIdleTime, maxRecipientsPerTransaction, tlsPolicies, mtaSts, trustAnchors);
    }

    public DeliveryConfig withRoutes(Map<String, HostPort> v) {
        return new DeliveryConfig(heloName, v, relay, dnsServers, dnsTimeout, smtpPort, timeouts, tls, maxIdlePerHost, maxIdleTime, maxRecipientsPerTransaction, tlsPolicies, mtaSts, trustAnchors);
    }

    public DeliveryConfig withRelay(Optional<HostPort> v) {
        return new DeliveryConfig(heloName, routes, v, dnsServers, dnsTimeout, smtpPort, timeouts, tls, maxIdlePerHost, maxIdleTime, maxRecipientsPerTransaction, tlsPolicies, mtaSts, trustAnchors);
    }

    public DeliveryConfig withDns(List<InetSocketAddress> servers, Duration timeout) {
        return new DeliveryConfig(heloName, routes, relay, servers, timeout, smtpPort, timeouts, tls, maxIdlePerHost, maxIdleTime, maxRecipientsPerTransaction, tlsPolicies, mtaSts, trustAnchors);
    }

    public DeliveryConfig withSmtpPort(int v) {
        return new DeliveryConfig(heloName, routes, relay, dnsServers, dnsTimeout, v, timeouts, tls, maxIdlePerHost, maxIdleTime, maxRecipientsPerTransaction, tlsPolicies, mtaSts, trustAnchors);
    }

    public DeliveryConfig withTimeouts(Timeouts v) {
        return new DeliveryConfig(heloName, routes, relay, dnsServers, dnsTimeout, smtpPort, v, tls, maxIdlePerHost, maxIdleTime, maxRecipientsPerTransaction, tlsPolicies, mtaSts, trustAnchors);
    }

    public DeliveryConfig withTls(TlsMode v) {
        return new DeliveryConfig(heloName, routes, relay, dnsServers, dnsTimeout, smtpPort, timeouts, v, maxIdlePerHost, maxIdleTime, maxRecipientsPerTransaction, tlsPolicies, mtaSts, trustAnchors);
    }

    public DeliveryConfig withPool(int idlePerHost, Duration idleTime) {
        return new DeliveryConfig(heloName, routes, relay, dnsServers, dnsTimeout, smtpPort, timeouts, tls, idlePerHost, idleTime, maxRecipientsPerTransaction, tlsPolicies, mtaSts, trustAnchors);
    }

    public DeliveryConfig withMaxRecipientsPerTransaction(int v) {
        return new DeliveryConfig(heloName, routes, relay, dnsServers, dnsTimeout, smtpPort, timeouts, tls, maxIdlePerHost, maxIdleTime, v, tlsPolicies, mtaSts, trustAnchors);
    }

    public DeliveryConfig withTlsPolicies(Map<String, TlsMode> v) {
        return new DeliveryConfig(heloName, routes, relay, dnsServers, dnsTimeout, smtpPort, timeouts, tls, maxIdlePerHost, maxIdleTime, maxRecipientsPerTransaction, v, mtaSts, trustAnchors);
    }

    public DeliveryConfig withMtaSts(MtaSts v) {
        return new DeliveryConfig(heloName, routes, relay, dnsServers, dnsTimeout, smtpPort, timeouts, tls, maxIdlePerHost, maxIdleTime, maxRecipientsPerTransaction, tlsPolicies, v, trustAnchors);
    }

    public DeliveryConfig withTrustAnchors(Optional<KeyStore> v) {
        return new DeliveryConfig(heloName, routes, relay, dnsServers, dnsTimeout, smtpPort, timeouts, tls, maxIdlePerHost, maxIdleTime, maxRecipientsPerTransaction, tlsPolicies, mtaSts, v);
    }
}
